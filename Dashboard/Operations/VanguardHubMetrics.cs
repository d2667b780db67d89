using System.Diagnostics.Metrics;
using VanguardHub.Silo.Hosting.Storage;

namespace VanguardHub.Dashboard.Operations;

/// <summary>The service's own measurements, exported with the ASP.NET Core, runtime and Orleans meters at /metrics.</summary>
internal sealed class VanguardHubMetrics
{
    public const string MeterName = "VanguardHub";

    private readonly Counter<long> _activitiesLogged;
    private readonly Histogram<double> _logDuration;
    private readonly Counter<long> _snapshotsPushed;
    private readonly Histogram<double> _pushLatency;
    private readonly UpDownCounter<long> _connectedClients;

    public VanguardHubMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _activitiesLogged = meter.CreateCounter<long>("vanguardhub.activities.logged", description: "Activity submissions, by result (created, already_stored, id_conflict, invalid).");
        _logDuration = meter.CreateHistogram("vanguardhub.activities.write.duration", "s", "From a valid submission to its durable acknowledgement.", advice: StorageMetrics.Seconds);
        _snapshotsPushed = meter.CreateCounter<long>("vanguardhub.snapshots.pushed", description: "Board snapshots this host pushed to its walls.");
        _pushLatency = meter.CreateHistogram("vanguardhub.push.latency", "s", "From an activity being recorded to this host sending it to its walls.", advice: StorageMetrics.Seconds);
        _connectedClients = meter.CreateUpDownCounter<long>("vanguardhub.hub.clients", description: "Wall and drill-down clients connected to this host's hub.");
    }

    public void ActivityLogged(string result, TimeSpan? duration = null)
    {
        _activitiesLogged.Add(1, new KeyValuePair<string, object?>("result", result));
        if (duration is { } elapsed)
        {
            _logDuration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("result", result));
        }
    }

    public void SnapshotPushed() => _snapshotsPushed.Add(1);

    public void ActivityPushed(TimeSpan sinceRecorded) => _pushLatency.Record(Math.Max(0, sinceRecorded.TotalSeconds));

    public void ClientConnected() => _connectedClients.Add(1);

    public void ClientDisconnected() => _connectedClients.Add(-1);
}
