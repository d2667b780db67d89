using System.Collections.Immutable;
using PasswordHasher = Microsoft.AspNetCore.Identity.PasswordHasher<VanguardHub.Grains.Security.AccountsGrain.StoredAccount>;
using PasswordVerificationResult = Microsoft.AspNetCore.Identity.PasswordVerificationResult;
using Microsoft.Extensions.Options;
using VanguardHub.Contracts.Security;
using VanguardHub.Grains.Infrastructure;

namespace VanguardHub.Grains.Security;

internal sealed class AccountsGrain(
    [PersistentState("accounts", GrainStorage.Name)] IPersistentState<AccountsGrain.State> state,
    IOptions<LockoutOptions> lockout,
    TimeProvider clock) : Grain, IAccountsGrain
{
    private static readonly PasswordHasher Hasher = new();

    /// <summary>
    /// Checked when the user is unknown, so that a wrong name costs as long as a wrong password: the hash of a random
    /// password nobody kept, made once with the hasher's own settings (PBKDF2-HMAC-SHA512, 100,000 iterations, 16-byte
    /// salt). Making it at every start took a sixth of a second of CPU while the service started.
    /// </summary>
    internal const string DecoyHash = "AQAAAAIAAYagAAAAENvTudWSXi+OQDD9BmlCPXJdIwpe/+94TaOxiy5oyEufrWNlHF/WA+TCRr3MdZORuA==";

    public async Task<bool> CreateFirstAdmin(string username, string password)
    {
        if (state.State.Accounts.Count > 0)
        {
            return false;
        }

        Add(username, password, Roles.Admin, null);
        await state.WriteStateAsync();
        return true;
    }

    public async Task<SignInResult> SignIn(string username, string password)
    {
        var now = clock.GetUtcNow();
        if (!state.State.Accounts.TryGetValue(Accounts.Normalize(username), out var account))
        {
            Hasher.VerifyHashedPassword(new StoredAccount(), DecoyHash, password);
            return new SignInResult { Outcome = SignInOutcome.Rejected };
        }

        if (account.LockedUntil > now)
        {
            return new SignInResult { Outcome = SignInOutcome.LockedOut, LockedUntil = account.LockedUntil };
        }

        var verdict = Hasher.VerifyHashedPassword(account, account.PasswordHash, password);
        if (verdict == PasswordVerificationResult.Failed || account.Disabled)
        {
            account.FailedAttempts++;
            if (account.FailedAttempts >= Math.Max(1, lockout.Value.LockoutFailures))
            {
                account.FailedAttempts = 0;
                account.LockedUntil = now + lockout.Value.LockoutDuration;
            }

            await state.WriteStateAsync();
            return account.LockedUntil > now
                ? new SignInResult { Outcome = SignInOutcome.LockedOut, LockedUntil = account.LockedUntil }
                : new SignInResult { Outcome = SignInOutcome.Rejected };
        }

        if (verdict == PasswordVerificationResult.SuccessRehashNeeded)
        {
            account.PasswordHash = Hasher.HashPassword(account, password);
        }

        if (account.FailedAttempts != 0 || account.LockedUntil is not null || verdict == PasswordVerificationResult.SuccessRehashNeeded)
        {
            account.FailedAttempts = 0;
            account.LockedUntil = null;
            await state.WriteStateAsync();
        }

        return new SignInResult { Outcome = SignInOutcome.SignedIn, Account = account.ToInfo() };
    }

    public Task<AccountInfo?> Find(string username) =>
        Task.FromResult(state.State.Accounts.TryGetValue(Accounts.Normalize(username), out var account) ? account.ToInfo() : null);

    public Task<ImmutableArray<AccountInfo>> List() =>
        Task.FromResult(state.State.Accounts.Values.OrderBy(a => a.Username, StringComparer.Ordinal).Select(a => a.ToInfo()).ToImmutableArray());

    public async Task<AccountChange> Create(string username, string password, string role, string? teamId)
    {
        if (state.State.Accounts.ContainsKey(Accounts.Normalize(username)))
        {
            return AccountChange.AlreadyExists;
        }

        Add(username, password, role, teamId);
        await state.WriteStateAsync();
        return AccountChange.Done;
    }

    public async Task<AccountChange> Disable(string username)
    {
        if (!state.State.Accounts.TryGetValue(Accounts.Normalize(username), out var account))
        {
            return AccountChange.NotFound;
        }

        if (!account.Disabled)
        {
            account.Disabled = true;
            account.Stamp++;
            await state.WriteStateAsync();
        }

        return AccountChange.Done;
    }

    public async Task<AccountChange> SetPassword(string username, string password)
    {
        if (!state.State.Accounts.TryGetValue(Accounts.Normalize(username), out var account))
        {
            return AccountChange.NotFound;
        }

        account.PasswordHash = Hasher.HashPassword(account, password);
        account.FailedAttempts = 0;
        account.LockedUntil = null;
        account.Stamp++;
        await state.WriteStateAsync();
        return AccountChange.Done;
    }

    private void Add(string username, string password, string role, string? teamId)
    {
        if (!Roles.IsKnown(role))
        {
            throw new ArgumentException($"Unknown role \"{role}\".", nameof(role));
        }

        var account = new StoredAccount
        {
            Username = Accounts.Normalize(username),
            Role = role,
            TeamId = role == Roles.Leader ? teamId : null,
            CreatedAt = clock.GetUtcNow(),
        };
        account.PasswordHash = Hasher.HashPassword(account, password);
        state.State.Accounts[account.Username] = account;
    }

    [GenerateSerializer, Alias("vh.AccountsState")]
    public sealed class State
    {
        [Id(0)] public Dictionary<string, StoredAccount> Accounts { get; set; } = new(StringComparer.Ordinal);
    }

    [GenerateSerializer, Alias("vh.StoredAccount")]
    public sealed class StoredAccount
    {
        [Id(0)] public string Username { get; set; } = "";
        [Id(1)] public string Role { get; set; } = "";
        [Id(2)] public string? TeamId { get; set; }
        [Id(3)] public string PasswordHash { get; set; } = "";
        [Id(4)] public DateTimeOffset CreatedAt { get; set; }
        [Id(5)] public int FailedAttempts { get; set; }
        [Id(6)] public DateTimeOffset? LockedUntil { get; set; }
        [Id(7)] public bool Disabled { get; set; }
        [Id(8)] public int Stamp { get; set; }

        public AccountInfo ToInfo() => new()
        {
            Username = Username,
            Role = Role,
            TeamId = TeamId,
            CreatedAt = CreatedAt,
            LockedUntil = LockedUntil,
            Disabled = Disabled,
            Stamp = Stamp,
        };
    }
}
