using Orleans.Concurrency;
using System.Collections.Immutable;

namespace VanguardHub.Contracts.Security;

/// <summary>A person's account as the admin list shows it; never the password hash.</summary>
[GenerateSerializer, Immutable, Alias("vh.AccountInfo")]
public sealed record AccountInfo
{
    [Id(0)] public required string Username { get; init; }
    [Id(1)] public required string Role { get; init; }
    /// <summary>The team a leader logs for; null for other roles.</summary>
    [Id(2)] public string? TeamId { get; init; }
    [Id(3)] public DateTimeOffset CreatedAt { get; init; }
    [Id(4)] public DateTimeOffset? LockedUntil { get; init; }
    [Id(5)] public bool Disabled { get; init; }
    /// <summary>Changes when the password is reset or the account disabled, which ends the account's sessions.</summary>
    [Id(6)] public int Stamp { get; init; }
}

public enum SignInOutcome
{
    SignedIn = 0,
    /// <summary>Unknown user, wrong password or disabled account: the caller cannot tell which.</summary>
    Rejected = 1,
    LockedOut = 2,
}

[GenerateSerializer, Immutable, Alias("vh.SignInResult")]
public sealed record SignInResult
{
    [Id(0)] public required SignInOutcome Outcome { get; init; }
    [Id(1)] public AccountInfo? Account { get; init; }
    [Id(2)] public DateTimeOffset? LockedUntil { get; init; }
}

public enum AccountChange
{
    Done = 0,
    NotFound = 1,
    AlreadyExists = 2,
}

/// <summary>
/// Every account of the service, in one grain (a committee has tens to hundreds of people): sign-in with lockout,
/// creation, password reset, disabling. Passwords are kept only as ASP.NET Core Identity hashes.
/// </summary>
[Alias("vh.IAccountsGrain")]
public interface IAccountsGrain : IGrainWithIntegerKey
{
    /// <summary>On a store without accounts, creates the first admin; false when any account already exists.</summary>
    Task<bool> CreateFirstAdmin(string username, string password);

    Task<SignInResult> SignIn(string username, string password);

    [ReadOnly, AlwaysInterleave]
    Task<AccountInfo?> Find(string username);

    [ReadOnly, AlwaysInterleave]
    Task<ImmutableArray<AccountInfo>> List();

    Task<AccountChange> Create(string username, string password, string role, string? teamId);

    Task<AccountChange> Disable(string username);

    /// <summary>Sets a new password, clears a lockout and ends the account's other sessions.</summary>
    Task<AccountChange> SetPassword(string username, string password);
}

public static class Accounts
{
    public const long Key = 0;

    /// <summary>The account made on the very first start.</summary>
    public const string FirstAdmin = "admin";

    /// <summary>Usernames are kept, compared and throttled in one form: trimmed, lower case.</summary>
    public static string Normalize(string username) => username.Trim().ToLowerInvariant();
}
