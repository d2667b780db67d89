using System.Text.Json;

namespace VanguardHub.Bench;

/// <summary>
/// The machine code in a V8 heap snapshot, by the script of the function it was compiled for: the bytes of each
/// compiled function's instructions, found through the code object that holds them and the function (or its shared
/// information) that holds that. Says whose functions V8 optimised further between two snapshots, the page's own
/// scripts or a library's.
/// </summary>
internal static class MachineCode
{
    /// <summary>How far up from a code object to look for the function it belongs to (code, feedback, cell, function).</summary>
    private const int RetainerDepth = 4;

    /// <summary>Instruction bytes by the file name of the function's script ("" for V8's and Chromium's own code).</summary>
    public static Dictionary<string, long> ByScript(JsonElement root)
    {
        var meta = root.GetProperty("snapshot").GetProperty("meta");
        var nodeFields = meta.GetProperty("node_fields").EnumerateArray().Select(f => f.GetString()).ToList();
        var nodeTypes = meta.GetProperty("node_types")[0].EnumerateArray().Select(t => t.GetString()).ToArray();
        var edgeFields = meta.GetProperty("edge_fields").EnumerateArray().Select(f => f.GetString()).ToList();
        var edgeTypes = meta.GetProperty("edge_types")[0].EnumerateArray().Select(t => t.GetString()).ToArray();
        var strings = root.GetProperty("strings").EnumerateArray().Select(s => s.GetString() ?? "").ToArray();
        var nodes = root.GetProperty("nodes").EnumerateArray().Select(v => v.GetInt64()).ToArray();
        var edges = root.GetProperty("edges").EnumerateArray().Select(v => v.GetInt64()).ToArray();

        var (nf, ef) = (nodeFields.Count, edgeFields.Count);
        var (typeAt, nameAt, sizeAt, edgeCountAt) = (nodeFields.IndexOf("type"), nodeFields.IndexOf("name"), nodeFields.IndexOf("self_size"), nodeFields.IndexOf("edge_count"));
        var (edgeTypeAt, edgeNameAt, toAt) = (edgeFields.IndexOf("type"), edgeFields.IndexOf("name_or_index"), edgeFields.IndexOf("to_node"));
        var count = nodes.Length / nf;
        string Type(int n) => nodeTypes[nodes[n * nf + typeAt]]!;
        string Name(int n) => strings[nodes[n * nf + nameAt]];

        // Each node's first edge; edges are listed node by node, in the nodes' order.
        var firstEdge = new int[count + 1];
        for (var n = 0; n < count; n++)
        {
            firstEdge[n + 1] = firstEdge[n] + (int)nodes[n * nf + edgeCountAt] * ef;
        }

        IEnumerable<(string Name, int To)> Out(int n)
        {
            for (var e = firstEdge[n]; e < firstEdge[n + 1]; e += ef)
            {
                // element and hidden edges carry an index, the others a string
                var kind = edgeTypes[edges[e + edgeTypeAt]];
                var name = kind is "element" or "hidden" ? "" : strings[edges[e + edgeNameAt]];
                yield return (name, (int)(edges[e + toAt] / nf));
            }
        }

        // Who holds each code object and each function: the way up from a function's instructions.
        var holders = new Dictionary<int, List<int>>();
        for (var n = 0; n < count; n++)
        {
            foreach (var (_, to) in Out(n))
            {
                if (Type(to) is "code" or "closure")
                {
                    (holders.TryGetValue(to, out var list) ? list : holders[to] = []).Add(n);
                }
            }
        }

        bool IsFunction(int n) => Type(n) == "closure" || Name(n).StartsWith("system / SharedFunctionInfo", StringComparison.Ordinal);

        int? FunctionOf(int code)
        {
            var seen = new HashSet<int> { code };
            var frontier = new List<int> { code };
            for (var depth = 0; depth < RetainerDepth && frontier.Count > 0; depth++)
            {
                var next = new List<int>();
                foreach (var holder in frontier.SelectMany(n => holders.GetValueOrDefault(n) ?? []).Where(seen.Add))
                {
                    if (IsFunction(holder))
                    {
                        return holder;
                    }

                    next.Add(holder);
                }

                frontier = next;
            }

            return null;
        }

        string ScriptOf(int function)
        {
            var shared = Type(function) == "closure" ? Out(function).FirstOrDefault(e => e.Name == "shared").To : function;
            foreach (var (edge, script) in Out(shared))
            {
                if (edge != "script")
                {
                    continue;
                }

                var url = Out(script).Where(e => e.Name is "name" or "source_url").Select(e => Name(e.To)).FirstOrDefault(u => u.Length > 0) ?? "";
                return url.Length == 0 ? "" : Path.GetFileName(new Uri(url, UriKind.RelativeOrAbsolute) is { IsAbsoluteUri: true } u ? u.AbsolutePath : url);
            }

            return "";
        }

        var bytes = new Dictionary<string, long>();
        for (var n = 0; n < count; n++)
        {
            if (Name(n) != "system / InstructionStream")
            {
                continue;
            }

            var function = (holders.GetValueOrDefault(n) ?? []).Select(FunctionOf).FirstOrDefault(f => f is not null);
            var script = function is { } f ? ScriptOf(f) : "";
            bytes[script] = bytes.GetValueOrDefault(script) + nodes[n * nf + sizeAt];
        }

        return bytes;
    }

    /// <summary>The scripts whose machine code changed most between two snapshots, largest change first.</summary>
    public static string Change(IReadOnlyDictionary<string, long> from, IReadOnlyDictionary<string, long> to, int shown = 4)
    {
        var changes = from.Keys.Union(to.Keys)
            .Select(s => (Script: s.Length == 0 ? "the browser's own" : s, From: from.GetValueOrDefault(s), To: to.GetValueOrDefault(s)))
            .OrderByDescending(c => Math.Abs(c.To - c.From)).ToList();
        var parts = changes.Take(shown).Select(c => $"{c.Script} {c.From / 1024.0:N0} -> {c.To / 1024.0:N0} KiB ({(c.To - c.From) / 1024.0:+0;-0;0})");
        var rest = changes.Skip(shown).Sum(c => c.To - c.From);
        return string.Join(", ", parts) + (changes.Count > shown ? $", the other {changes.Count - shown} scripts {rest / 1024.0:+0;-0;0} KiB" : "");
    }
}
