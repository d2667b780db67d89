using System.Security.Claims;
using VanguardHub.Contracts.Catalog;
using VanguardHub.Contracts.Security;

namespace VanguardHub.Dashboard.Security;

/// <summary>
/// Writes the audit log: account, token and wall changes, sign-ins, lockouts and admin operations. Activity writes are
/// audited in the activity log itself (each record names who logged it and when), so they cost no second write.
/// </summary>
internal sealed class AuditTrail(IGrainFactory grains, TimeProvider clock, ILogger<AuditTrail> logger)
{
    public async Task Record(ClaimsPrincipal user, string action, string target, string? detail = null) =>
        await Record(user.Actor(), action, target, detail);

    public async Task Record(string actor, string action, string target, string? detail = null)
    {
        var entry = new AuditEntry { At = clock.GetUtcNow(), Actor = actor, Action = action, Target = target, Detail = detail };
        await grains.GetGrain<IAuditLogGrain>(BeijingTime.MonthKeyOf(entry.At)).Append([entry]);
        logger.LogInformation("Audit: {Actor} {Action} {Target}", actor, action, target);
    }

    /// <summary>The newest entries, from this month back through earlier months until <paramref name="limit"/> are found (at most a year back).</summary>
    public async Task<IReadOnlyList<AuditEntry>> Latest(int limit)
    {
        var entries = new List<AuditEntry>(limit);
        var month = BeijingTime.StartOfMonth(BeijingTime.MonthKeyOf(clock.GetUtcNow()));
        for (var i = 0; i < 12 && entries.Count < limit; i++, month = month.AddMonths(-1))
        {
            entries.AddRange(await grains.GetGrain<IAuditLogGrain>(BeijingTime.MonthKeyOf(month)).Latest(limit - entries.Count));
        }

        return entries;
    }
}

/// <summary>
/// On the very first start (no accounts at all), creates the "admin" account with the password from
/// VANGUARDHUB_ADMIN_PASSWORD, or a random one printed once to the console. The account is made while the service
/// starts listening (hashing the password and two durable writes held Kestrel back by some 0.3–0.5 s on a first
/// start); sign-ins and the readiness check wait for it. If it cannot be made, the service stops, as it would have
/// failed to start.
/// </summary>
internal sealed class FirstRunAdmin(
    IGrainFactory grains, IConfiguration configuration, AuditTrail audit, IHostApplicationLifetime lifetime, ILogger<FirstRunAdmin> logger)
    : IHostedService
{
    public const string PasswordVariable = "VANGUARDHUB_ADMIN_PASSWORD";

    /// <summary>Completes once the first admin exists, whether made now or found; faults if it could not be made.</summary>
    public Task Done { get; private set; } = Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var configured = configuration[PasswordVariable];
        if (configured is { Length: > 0 } && configured.Length < AccountRules.MinPassword)
        {
            throw new InvalidOperationException($"{PasswordVariable} must be at least {AccountRules.MinPassword} characters long.");
        }

        Done = Create(configured);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task Create(string? configured)
    {
        try
        {
            var password = configured is { Length: > 0 } ? configured : System.Security.Cryptography.RandomNumberGenerator.GetString(
                "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789", 20);
            if (!await grains.GetGrain<IAccountsGrain>(Accounts.Key).CreateFirstAdmin(Accounts.FirstAdmin, password))
            {
                return;
            }

            await audit.Record("system", "account.create", Accounts.FirstAdmin, "first start");
            if (configured is { Length: > 0 })
            {
                logger.LogInformation("Created the first admin account \"{Username}\" with the password from {Variable}.", Accounts.FirstAdmin, PasswordVariable);
            }
            else
            {
                // Printed once, to the console only (never to the structured log): it is shown on this first start and never again.
                Console.WriteLine($"First start: created the admin account \"{Accounts.FirstAdmin}\" with the password {password}");
                Console.WriteLine("Write it down now; it is not shown again. Set VANGUARDHUB_ADMIN_PASSWORD before the first start to choose it.");
            }
        }
        catch (Exception e)
        {
            logger.LogCritical(e, "Could not make sure the first admin account exists; stopping.");
            lifetime.StopApplication();
            throw;
        }
    }
}
