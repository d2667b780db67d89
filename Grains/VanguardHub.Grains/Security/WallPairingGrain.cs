using System.Collections.Immutable;
using System.Security.Cryptography;
using VanguardHub.Contracts.Security;

namespace VanguardHub.Grains.Security;

/// <summary>
/// Pending pairings are kept in memory only: they live minutes, and a display whose request is lost simply asks
/// again. What lasts is the wall token an approval issues.
/// </summary>
internal sealed class WallPairingGrain(IGrainFactory grains, TimeProvider clock) : Grain, IWallPairingGrain
{
    /// <summary>No 0/O, 1/I/L: read aloud or typed from across a hall.</summary>
    private const string Alphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";

    /// <summary>A flood of requests cannot grow this without bound; the oldest give way.</summary>
    private const int MaxPending = 200;

    private readonly Dictionary<string, Entry> _byPairingId = new(StringComparer.Ordinal);

    public Task<PairingRequest> Request()
    {
        Expire();
        while (_byPairingId.Count >= MaxPending)
        {
            _byPairingId.Remove(_byPairingId.MinBy(e => e.Value.Request.RequestedAt).Key);
        }

        string code;
        do
        {
            code = $"{RandomNumberGenerator.GetString(Alphabet, 4)}-{RandomNumberGenerator.GetString(Alphabet, 4)}";
        }
        while (_byPairingId.Values.Any(e => e.Request.Code == code));

        var now = clock.GetUtcNow();
        var request = new PairingRequest
        {
            Code = code,
            PairingId = System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16)),
            RequestedAt = now,
            ExpiresAt = now + WallPairing.Lifetime,
        };
        _byPairingId[request.PairingId] = new Entry(request);
        return Task.FromResult(request);
    }

    public Task<PairingStatus> Collect(string pairingId)
    {
        Expire();
        if (!_byPairingId.TryGetValue(pairingId, out var entry))
        {
            return Task.FromResult(new PairingStatus { State = PairingState.Unknown });
        }

        if (entry.Token is null)
        {
            return Task.FromResult(new PairingStatus { State = PairingState.Pending, Request = entry.Request });
        }

        _byPairingId.Remove(pairingId);
        return Task.FromResult(new PairingStatus { State = PairingState.Approved, Request = entry.Request, Token = entry.Token, Name = entry.Name });
    }

    public Task<ImmutableArray<PairingRequest>> Pending()
    {
        Expire();
        return Task.FromResult(_byPairingId.Values.Where(e => e.Token is null).Select(e => e.Request).OrderBy(r => r.RequestedAt).ToImmutableArray());
    }

    public async Task<TokenInfo?> Approve(string code, string name, string approvedBy)
    {
        Expire();
        var entry = _byPairingId.Values.FirstOrDefault(e => e.Token is null && string.Equals(e.Request.Code, code.Trim(), StringComparison.OrdinalIgnoreCase));
        if (entry is null)
        {
            return null;
        }

        var issued = await grains.GetGrain<ITokensGrain>(Tokens.Key).Issue(name, Roles.Wall, null, null, approvedBy);
        entry.Token = issued.Token;
        entry.Name = name;

        // The display has the rest of the request's lifetime to collect its credential.
        return issued.Info;
    }

    private void Expire()
    {
        var now = clock.GetUtcNow();
        foreach (var (id, entry) in _byPairingId.Where(e => e.Value.Request.ExpiresAt <= now).ToList())
        {
            _byPairingId.Remove(id);
        }
    }

    private sealed class Entry(PairingRequest request)
    {
        public PairingRequest Request { get; } = request;
        public string? Token { get; set; }
        public string? Name { get; set; }
    }
}
