using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace VanguardHub.Contracts;

/// <summary>
/// Grain references kept per grain factory for the calls made on every activity. <c>GetGrain</c> works out the
/// interface's grain type through its attributes on every call (some 5% of the service's CPU while it took
/// activities as fast as it could); a reference is immutable and safe to share between threads. Each factory keeps
/// its own, since a reference belongs to the runtime that made it (a test process may hold several silos).
/// </summary>
public static class GrainReferences
{
    /// <summary>Past this many, a factory's references are dropped and made again as needed.</summary>
    /// <remarks>
    /// Meant for keys that come back (teams, enterprises, the index and its pages): keys that keep coming, such as log
    /// chunks', take their references from <c>GetGrain</c>, or the kept ones would be dropped about every 20 seconds at
    /// full load (some 190 chunks fill a second).
    /// </remarks>
    private const int MaxKept = 4096;

    private static readonly ConditionalWeakTable<IGrainFactory, ConcurrentDictionary<(Type, string), IAddressable>> ByString = [];
    private static readonly ConditionalWeakTable<IGrainFactory, ConcurrentDictionary<(Type, long), IAddressable>> ByInteger = [];

    public static TGrain Cached<TGrain>(this IGrainFactory factory, string key) where TGrain : IGrainWithStringKey =>
        (TGrain)Kept(ByString.GetOrCreateValue(factory), (typeof(TGrain), key), factory, static (f, k) => f.GetGrain<TGrain>(k.Item2));

    public static TGrain Cached<TGrain>(this IGrainFactory factory, long key) where TGrain : IGrainWithIntegerKey =>
        (TGrain)Kept(ByInteger.GetOrCreateValue(factory), (typeof(TGrain), key), factory, static (f, k) => f.GetGrain<TGrain>(k.Item2));

    private static IAddressable Kept<TKey>(
        ConcurrentDictionary<TKey, IAddressable> kept, TKey key, IGrainFactory factory, Func<IGrainFactory, TKey, IAddressable> make)
        where TKey : notnull
    {
        if (kept.TryGetValue(key, out var reference))
        {
            return reference;
        }

        if (kept.Count >= MaxKept)
        {
            kept.Clear();
        }

        return kept.GetOrAdd(key, make(factory, key));
    }
}
