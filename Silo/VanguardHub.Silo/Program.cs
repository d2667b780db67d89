using Microsoft.Extensions.Hosting;
using VanguardHub.Silo.Hosting;

// A grain-only node: the same silo configuration as the web app's co-hosted one, without the web front.
var builder = Host.CreateApplicationBuilder(args);
builder.AddVanguardHubSilo();
builder.Build().Run();
