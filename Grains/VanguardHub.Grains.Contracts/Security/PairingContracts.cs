using Orleans.Concurrency;
using System.Collections.Immutable;

namespace VanguardHub.Contracts.Security;

[GenerateSerializer, Immutable, Alias("vh.PairingRequest")]
public sealed record PairingRequest
{
    /// <summary>Shown on the display, typed or read out by the admin who approves it.</summary>
    [Id(0)] public required string Code { get; init; }
    /// <summary>Known only to the display; it collects the credential with it.</summary>
    [Id(1)] public required string PairingId { get; init; }
    [Id(2)] public DateTimeOffset RequestedAt { get; init; }
    [Id(3)] public DateTimeOffset ExpiresAt { get; init; }
}

public enum PairingState
{
    Unknown = 0,
    Pending = 1,
    Approved = 2,
}

[GenerateSerializer, Immutable, Alias("vh.PairingStatus")]
public sealed record PairingStatus
{
    [Id(0)] public required PairingState State { get; init; }
    [Id(1)] public PairingRequest? Request { get; init; }
    /// <summary>The device's credential, once approved; handed out once.</summary>
    [Id(2)] public string? Token { get; init; }
    [Id(3)] public string? Name { get; init; }
}

/// <summary>Wall displays asking for a credential. Requests live in memory for a few minutes; an approval issues a wall token.</summary>
[Alias("vh.IWallPairingGrain")]
public interface IWallPairingGrain : IGrainWithIntegerKey
{
    Task<PairingRequest> Request();

    Task<PairingStatus> Collect(string pairingId);

    [ReadOnly]
    Task<ImmutableArray<PairingRequest>> Pending();

    /// <summary>Null when no pending request has this code; else the issued token's description.</summary>
    Task<TokenInfo?> Approve(string code, string name, string approvedBy);
}

public static class WallPairing
{
    public const long Key = 0;

    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);
}
