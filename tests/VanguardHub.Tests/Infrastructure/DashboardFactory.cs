using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace VanguardHub.Tests.Infrastructure;

/// <summary>The whole web app, with its co-hosted silo, on a SQLite file of its own and ports nobody else uses.</summary>
public class DashboardFactory : WebApplicationFactory<Program>
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

/// <summary>The web app on a real Kestrel listener on 127.0.0.1, for SignalR clients and browsers.</summary>
public sealed class LiveDashboardFactory : DashboardFactory
{
    public LiveDashboardFactory()
    {
        UseKestrel(options => options.Listen(System.Net.IPAddress.Loopback, 0));
        StartServer();
    }

    public Uri Address => new(Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
        .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses.First());
}
