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
    public static Dictionary<string, long> ByScript(HeapGraph graph)
    {
        // Who holds each code object and each function: the way up from a function's instructions.
        var holders = new Dictionary<int, List<int>>();
        for (var n = 0; n < graph.Count; n++)
        {
            foreach (var (_, to) in graph.Out(n))
            {
                if (graph.Type(to) is "code" or "closure")
                {
                    (holders.TryGetValue(to, out var list) ? list : holders[to] = []).Add(n);
                }
            }
        }

        bool IsFunction(int n) => graph.Type(n) == "closure" || graph.Name(n).StartsWith("system / SharedFunctionInfo", StringComparison.Ordinal);

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
            var shared = graph.Type(function) == "closure" ? graph.Out(function).FirstOrDefault(e => e.Name == "shared").To : function;
            foreach (var (edge, script) in graph.Out(shared))
            {
                if (edge != "script")
                {
                    continue;
                }

                var url = graph.Out(script).Where(e => e.Name is "name" or "source_url").Select(e => graph.Name(e.To)).FirstOrDefault(u => u.Length > 0) ?? "";
                return url.Length == 0 ? "" : Path.GetFileName(new Uri(url, UriKind.RelativeOrAbsolute) is { IsAbsoluteUri: true } u ? u.AbsolutePath : url);
            }

            return "";
        }

        var bytes = new Dictionary<string, long>();
        for (var n = 0; n < graph.Count; n++)
        {
            if (graph.Name(n) != "system / InstructionStream")
            {
                continue;
            }

            var function = (holders.GetValueOrDefault(n) ?? []).Select(FunctionOf).FirstOrDefault(f => f is not null);
            var script = function is { } f ? ScriptOf(f) : "";
            bytes[script] = bytes.GetValueOrDefault(script) + graph.Size(n);
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
