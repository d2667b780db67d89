using VanguardHub.Dashboard.Apis;
using VanguardHub.Dashboard.Extensions;
using VanguardHub.Dashboard.Wall;
using VanguardHub.Silo.Hosting;

var builder = WebApplication.CreateBuilder(args);

builder.AddVanguardHubSilo();
builder.AddVanguardHubApi();
builder.AddWallPush();

var app = builder.Build();

app.UseVanguardHubEdge();
app.MapTeamsApi();
app.MapEnterprisesApi();
app.MapActivitiesApi();
app.MapBoardApi();
app.MapAdminApi();
app.MapWall();
app.AnnounceAddresses();

app.Run();

/// <summary>The web app's entry point, visible to the integration tests.</summary>
public partial class Program;
