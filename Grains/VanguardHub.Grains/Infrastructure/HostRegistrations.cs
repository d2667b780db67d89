namespace VanguardHub.Grains.Infrastructure;

/// <summary>
/// Web hosts registered with a grain to be told of changes, each through its observer. Registrations are not durable
/// and lapse unless renewed within <paramref name="lifetime"/>: a host that stopped without saying so drops out by
/// itself. Not thread-safe; its grain uses it one turn at a time.
/// </summary>
internal sealed class HostRegistrations<TObserver>(TimeProvider clock, TimeSpan lifetime)
{
    private readonly Dictionary<Guid, (TObserver Observer, DateTimeOffset Expires)> _hosts = [];

    public int Count => _hosts.Count;

    /// <summary>Each registered host and its observer.</summary>
    public IEnumerable<(Guid Host, TObserver Observer)> All => _hosts.Select(h => (h.Key, h.Value.Observer));

    public void Renew(Guid host, TObserver observer) => _hosts[host] = (observer, clock.GetUtcNow() + lifetime);

    public void Remove(Guid host) => _hosts.Remove(host);

    /// <summary>Drops the registrations not renewed in time, and names their hosts.</summary>
    public IReadOnlyList<Guid> DropLapsed()
    {
        var now = clock.GetUtcNow();
        var lapsed = _hosts.Where(h => h.Value.Expires < now).Select(h => h.Key).ToList();
        foreach (var host in lapsed)
        {
            _hosts.Remove(host);
        }

        return lapsed;
    }
}
