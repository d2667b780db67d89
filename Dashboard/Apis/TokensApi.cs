using VanguardHub.Contracts;
using VanguardHub.Contracts.Security;
using VanguardHub.Dashboard.Extensions;
using VanguardHub.Dashboard.Security;

namespace VanguardHub.Dashboard.Apis;

/// <summary>Bearer tokens for scripts and integrations, and the pairing that gives a wall display its own.</summary>
internal static class TokensApi
{
    public static IEndpointRouteBuilder MapTokensApi(this IEndpointRouteBuilder app)
    {
        var tokens = app.MapGroup("/api/tokens").WithTags("Accounts").RequireAuthorization(Policies.Admin);
        tokens.MapGet("/", async (IGrainFactory grains) => TypedResults.Ok(await grains.GetGrain<ITokensGrain>(Tokens.Key).List()));
        tokens.MapPost("/", Issue);
        tokens.MapDelete("/{tokenId}", Revoke);

        var walls = app.MapGroup("/api/walls/pairings").WithTags("Walls");
        walls.MapPost("/", RequestPairing).AllowAnonymous().RequireRateLimiting(RateLimits.Pairing);
        walls.MapGet("/{pairingId}", Collect).AllowAnonymous();
        walls.MapGet("/", async (IGrainFactory grains) => TypedResults.Ok(await grains.GetGrain<IWallPairingGrain>(WallPairing.Key).Pending()))
            .RequireAuthorization(Policies.Admin);
        walls.MapPost("/{code}/approve", Approve).RequireAuthorization(Policies.Admin);
        return app;
    }

    private sealed record NewToken(string? Name, string? Role, string? TeamId, int? ExpiresInDays);

    private sealed record Approval(string? Name);

    private static async Task<IResult> Issue(HttpContext context, IGrainFactory grains, Roster roster, AuditTrail audit, TimeProvider clock, CancellationToken cancellationToken)
    {
        var (body, problem) = await JsonBody.ReadAsync<NewToken>(context.Request, AccountRules.MaxBody, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var errors = new Dictionary<string, string[]>();
        AccountRules.Name("name", body!.Name, errors);
        AccountRules.RoleAndTeam(body.Role, body.TeamId, roster, errors);
        if (body.ExpiresInDays is < 1 or > 3650)
        {
            errors["expiresInDays"] = ["Between 1 and 3650 days, or leave it out for a token that lasts until revoked."];
        }

        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        var expiresAt = body.ExpiresInDays is { } days ? clock.GetUtcNow().AddDays(days) : (DateTimeOffset?)null;
        var issued = await grains.GetGrain<ITokensGrain>(Tokens.Key).Issue(body.Name!.Trim(), body.Role!, body.TeamId, expiresAt, context.User.Actor());
        await audit.Record(context.User, "token.create", issued.Info.Id, $"{issued.Info.Name}: {issued.Info.Role}{(issued.Info.TeamId is { } team ? $" of {team}" : "")}");
        var info = issued.Info;
        return TypedResults.Created($"/api/tokens/{info.Id}", new
        {
            info.Id,
            info.Name,
            info.Role,
            info.TeamId,
            info.CreatedAt,
            info.ExpiresAt,
            info.CreatedBy,
            token = issued.Token,
        });
    }

    private static async Task<IResult> Revoke(string tokenId, HttpContext context, IGrainFactory grains, AuditTrail audit)
    {
        if (!await grains.GetGrain<ITokensGrain>(Tokens.Key).Revoke(tokenId))
        {
            return Problems.NotFound("tokenId", "No token with this id.");
        }

        await audit.Record(context.User, "token.revoke", tokenId);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> RequestPairing(IGrainFactory grains)
    {
        var request = await grains.GetGrain<IWallPairingGrain>(WallPairing.Key).Request();
        return TypedResults.Created($"/api/walls/pairings/{request.PairingId}", new { request.Code, request.PairingId, request.ExpiresAt });
    }

    private static async Task<IResult> Collect(string pairingId, IGrainFactory grains)
    {
        var status = await grains.GetGrain<IWallPairingGrain>(WallPairing.Key).Collect(pairingId);
        return status.State switch
        {
            PairingState.Pending => TypedResults.Json(new { status = "pending", status.Request!.Code, status.Request.ExpiresAt }, statusCode: StatusCodes.Status202Accepted),
            PairingState.Approved => TypedResults.Ok(new { status = "approved", status.Token, status.Name }),
            _ => Problems.NotFound("pairingId", "No pending pairing with this id; it may have expired. Ask for a new code."),
        };
    }

    private static async Task<IResult> Approve(string code, HttpContext context, IGrainFactory grains, AuditTrail audit, CancellationToken cancellationToken)
    {
        var (body, problem) = await JsonBody.ReadAsync<Approval>(context.Request, AccountRules.MaxBody, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var errors = new Dictionary<string, string[]>();
        AccountRules.Name("name", body!.Name, errors);
        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        var token = await grains.GetGrain<IWallPairingGrain>(WallPairing.Key).Approve(code, body.Name!.Trim(), context.User.Actor());
        if (token is null)
        {
            return Problems.NotFound("code", "No wall is waiting with this code; it may have expired.");
        }

        await audit.Record(context.User, "wall.pair", token.Id, $"{token.Name} (code {code.ToUpperInvariant()})");
        return TypedResults.Ok(new { tokenId = token.Id, token.Name });
    }
}
