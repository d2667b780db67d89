using VanguardHub.Contracts;
using VanguardHub.Contracts.Security;
using VanguardHub.Dashboard.Extensions;
using VanguardHub.Dashboard.Security;

namespace VanguardHub.Dashboard.Apis;

/// <summary>Admins manage people's accounts and read the audit log.</summary>
internal static class AccountsApi
{
    public static IEndpointRouteBuilder MapAccountsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/accounts").WithTags("Accounts").RequireAuthorization(Policies.Admin);
        group.MapGet("/", async (IGrainFactory grains) => TypedResults.Ok(await grains.GetGrain<IAccountsGrain>(Accounts.Key).List()));
        group.MapPost("/", Create);
        group.MapDelete("/{username}", Disable);
        group.MapPost("/{username}/password", SetPassword);

        app.MapGet("/api/audit", Audit).WithTags("Accounts").RequireAuthorization(Policies.Admin);
        return app;
    }

    private sealed record NewAccount(string? Username, string? Password, string? Role, string? TeamId);

    private sealed record NewPassword(string? Password);

    private static async Task<IResult> Create(HttpContext context, IGrainFactory grains, Roster roster, AuditTrail audit, CancellationToken cancellationToken)
    {
        var (body, problem) = await JsonBody.ReadAsync<NewAccount>(context.Request, AccountRules.MaxBody, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var errors = new Dictionary<string, string[]>();
        AccountRules.Username(body!.Username, errors);
        AccountRules.Password(body.Password, errors);
        AccountRules.RoleAndTeam(body.Role, body.TeamId, roster, errors);
        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        var username = Accounts.Normalize(body.Username!);
        var change = await grains.GetGrain<IAccountsGrain>(Accounts.Key).Create(username, body.Password!, body.Role!, body.TeamId);
        if (change == AccountChange.AlreadyExists)
        {
            return Problems.Status(StatusCodes.Status409Conflict, "username", "Username taken", "An account with this username exists.");
        }

        await audit.Record(context.User, "account.create", username, body.TeamId is null ? body.Role : $"{body.Role} of {body.TeamId}");
        var account = await grains.GetGrain<IAccountsGrain>(Accounts.Key).Find(username);
        return TypedResults.Created($"/api/accounts/{username}", account);
    }

    private static async Task<IResult> Disable(string username, HttpContext context, IGrainFactory grains, AuditTrail audit)
    {
        if (string.Equals(username, context.User.Actor(), StringComparison.OrdinalIgnoreCase))
        {
            return Problems.Status(StatusCodes.Status409Conflict, "username", "Cannot disable yourself", "Another admin must disable this account.");
        }

        if (await grains.GetGrain<IAccountsGrain>(Accounts.Key).Disable(username) == AccountChange.NotFound)
        {
            return Problems.NotFound("username", "No account with this username.");
        }

        await audit.Record(context.User, "account.disable", Accounts.Normalize(username));
        return TypedResults.NoContent();
    }

    private static async Task<IResult> SetPassword(string username, HttpContext context, IGrainFactory grains, AuditTrail audit, CancellationToken cancellationToken)
    {
        var (body, problem) = await JsonBody.ReadAsync<NewPassword>(context.Request, AccountRules.MaxBody, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var errors = new Dictionary<string, string[]>();
        AccountRules.Password(body!.Password, errors);
        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        if (await grains.GetGrain<IAccountsGrain>(Accounts.Key).SetPassword(username, body.Password!) == AccountChange.NotFound)
        {
            return Problems.NotFound("username", "No account with this username.");
        }

        await audit.Record(context.User, "account.password-reset", Accounts.Normalize(username));
        return TypedResults.NoContent();
    }

    private static async Task<IResult> Audit(AuditTrail audit, int? limit)
    {
        if (limit is < 1 or > 1000)
        {
            return Problems.Invalid("limit", "Between 1 and 1000.");
        }

        return TypedResults.Ok(await audit.Latest(limit ?? 200));
    }
}
