using Orleans.Dashboard;
using VanguardHub.Dashboard.Apis;
using VanguardHub.Dashboard.Extensions;
using VanguardHub.Dashboard.Operations;
using VanguardHub.Dashboard.Security;
using VanguardHub.Dashboard.Simulation;
using VanguardHub.Dashboard.Wall;
using VanguardHub.Silo.Hosting;

if (StoreCommands.IsCommand(args))
{
    return StoreCommands.Run(args);
}

if (HistoryCommand.IsCommand(args))
{
    return HistoryCommand.Run(args);
}

// `--simulate` is demo mode: a stream of plausible activities through this host's own API.
var simulate = args.Contains("--simulate");
// Settings are read once at start. Watching them for changes puts an inotify watch on every folder under the content
// root, the default store's folder (Dashboard/data) among them, and every write to the store then wakes the watcher.
var builder = WebApplication.CreateBuilder(["--hostBuilder:reloadConfigOnChange=false", .. args.Where(a => a != "--simulate")]);

// The Orleans operator console profiles every grain call and holds its assets in memory: on only when asked for
// (Operations:Console=true).
var console = builder.Configuration.GetValue("Operations:Console", false);
builder.AddVanguardHubSilo(silo =>
{
    if (console)
    {
        silo.AddDashboard();
    }
});
builder.AddVanguardHubApi();
builder.AddVanguardHubSecurity();
builder.AddWallPush();
builder.AddSimulator(simulate);
builder.AddOperations();

var app = builder.Build();

app.UseVanguardHubEdge();
app.UseVanguardHubSecurity();
app.MapAuthApi();
app.MapAccountsApi();
app.MapTokensApi();
app.MapTeamsApi();
app.MapEnterprisesApi();
app.MapPlacesApi();
app.MapActivitiesApi();
app.MapBoardApi();
app.MapAdminApi();
app.MapExportsApi();
app.MapWall();
app.MapOperations();
if (console)
{
    app.MapOrleansDashboard(SecurityHeaders.OperatorConsolePath).RequireAuthorization(Policies.Admin);
}

app.AnnounceAddresses();

app.Run();
return 0;

/// <summary>The web app's entry point, visible to the integration tests.</summary>
public partial class Program;
