using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace VanguardHub.Tests.Infrastructure;

/// <summary>The whole web app, with its co-hosted silo, on a SQLite file of its own and ports nobody else uses.</summary>
public sealed class DashboardFactory : WebApplicationFactory<Program>
{
    private readonly TempFolder _folder = new();

    public string DataDirectory => _folder.Path;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Storage:DataDirectory", _folder.Path);
        builder.UseSetting("Orleans:SiloPort", FreePorts.Next().ToString());
        builder.UseSetting("Orleans:GatewayPort", FreePorts.Next().ToString());
        builder.UseSetting("Orleans:ServiceId", $"tests-{Guid.NewGuid():N}");
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        _folder.Dispose();
    }
}
