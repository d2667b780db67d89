using System.Net;
using VanguardHub.Tests.Infrastructure;

namespace VanguardHub.Tests.Operations;

/// <summary>The operator console profiles every grain call, so a host serves it only when asked to.</summary>
public sealed class OperatorConsoleTests(DashboardFactory factory) : IClassFixture<DashboardFactory>
{
    [Fact]
    public async Task Without_Operations_Console_even_an_admin_finds_no_console()
    {
        var admin = await factory.Tokens.AdminSessionAsync();

        (await admin.GetAsync("/ops/")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await admin.GetAsync("/api/teams")).StatusCode.Should().Be(HttpStatusCode.OK, "the rest of the service is there");
    }
}
