using System.Collections.Immutable;
using VanguardHub.Contracts.Security;
using VanguardHub.Grains.Infrastructure;

namespace VanguardHub.Grains.Security;

/// <summary>One Beijing month of the audit log. Entries are only ever appended.</summary>
internal sealed class AuditLogGrain(
    [PersistentState("audit", GrainStorage.Name)] IPersistentState<AuditLogGrain.State> state) : Grain, IAuditLogGrain
{
    public async Task Append(ImmutableArray<AuditEntry> entries)
    {
        if (entries.IsDefaultOrEmpty)
        {
            return;
        }

        state.State.Entries.AddRange(entries);
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            // Not stored: do not let memory claim otherwise.
            state.State.Entries.RemoveRange(state.State.Entries.Count - entries.Length, entries.Length);
            throw;
        }
    }

    public Task<ImmutableArray<AuditEntry>> Latest(int limit)
    {
        var entries = state.State.Entries;
        var take = Math.Clamp(limit, 0, entries.Count);
        var latest = ImmutableArray.CreateBuilder<AuditEntry>(take);
        for (var i = entries.Count - 1; i >= entries.Count - take; i--)
        {
            latest.Add(entries[i]);
        }

        return Task.FromResult(latest.MoveToImmutable());
    }

    [GenerateSerializer, Alias("vh.AuditLogState")]
    public sealed class State
    {
        [Id(0)] public List<AuditEntry> Entries { get; set; } = [];
    }
}
