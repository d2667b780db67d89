using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace VanguardHub.Tests.Infrastructure;

/// <summary>The whole web app, with its co-hosted silo, on a SQLite file of its own and ports nobody else uses.</summary>
public class DashboardFactory : WebApplicationFactory<Program>
{
    private readonly TempFolder _folder = new();

    public DashboardFactory() => Tokens = new ServiceTokens(NewClient);

    /// <summary>Tokens of every role for this service, issued by its first admin.</summary>
    public ServiceTokens Tokens { get; }

    /// <summary>A client that keeps cookies and is not signed in.</summary>
    public virtual HttpClient NewClient() => CreateClient();

    /// <summary>A client with a bearer token of the role (a leader's, for the team).</summary>
    public Task<HttpClient> ClientAsync(string role, string? teamId = null) => Tokens.ClientAsync(role, teamId);

    public string DataDirectory => _folder.Path;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Storage:DataDirectory", _folder.Path);
        builder.UseSetting(Sign.PasswordVariable, Sign.AdminPassword);
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

/// <summary>The web app on a real Kestrel listener on 127.0.0.1, for SignalR clients and browsers; with the operator console.</summary>
public sealed class LiveDashboardFactory : DashboardFactory
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Operations:Console", "true");
    }

    public LiveDashboardFactory()
    {
        UseKestrel(options => options.Listen(System.Net.IPAddress.Loopback, 0));
        StartServer();
    }

    public override HttpClient NewClient() => new() { BaseAddress = Address };

    public Uri Address => new(Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
        .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses.First());
}
