using System.Text.Json;

namespace VanguardHub.Bench;

/// <summary>
/// A V8 heap snapshot's graph as DevTools saves it: flat arrays of nodes and of edges, each a fixed number of fields
/// that the snapshot's own meta names, and a table of the strings they refer to.
/// </summary>
internal sealed class HeapGraph
{
    private readonly long[] _nodes;
    private readonly long[] _edges;
    private readonly string[] _strings;
    private readonly string[] _nodeTypes;
    private readonly string[] _edgeTypes;
    private readonly int _nodeFields, _edgeFields, _typeAt, _nameAt, _sizeAt, _edgeTypeAt, _edgeNameAt, _toAt;

    /// <summary>Each node's first edge; edges are listed node by node, in the nodes' order.</summary>
    private readonly int[] _firstEdge;

    private HeapGraph(JsonElement root)
    {
        var meta = root.GetProperty("snapshot").GetProperty("meta");
        var nodeFields = meta.GetProperty("node_fields").EnumerateArray().Select(f => f.GetString()).ToList();
        var edgeFields = meta.GetProperty("edge_fields").EnumerateArray().Select(f => f.GetString()).ToList();
        _nodeTypes = meta.GetProperty("node_types")[0].EnumerateArray().Select(t => t.GetString() ?? "").ToArray();
        _edgeTypes = meta.GetProperty("edge_types")[0].EnumerateArray().Select(t => t.GetString() ?? "").ToArray();
        _strings = root.GetProperty("strings").EnumerateArray().Select(s => s.GetString() ?? "").ToArray();
        _nodes = root.GetProperty("nodes").EnumerateArray().Select(v => v.GetInt64()).ToArray();
        _edges = root.GetProperty("edges").EnumerateArray().Select(v => v.GetInt64()).ToArray();
        (_nodeFields, _edgeFields) = (nodeFields.Count, edgeFields.Count);
        (_typeAt, _nameAt, _sizeAt) = (nodeFields.IndexOf("type"), nodeFields.IndexOf("name"), nodeFields.IndexOf("self_size"));
        (_edgeTypeAt, _edgeNameAt, _toAt) = (edgeFields.IndexOf("type"), edgeFields.IndexOf("name_or_index"), edgeFields.IndexOf("to_node"));
        var edgeCountAt = nodeFields.IndexOf("edge_count");
        Count = _nodes.Length / _nodeFields;
        _firstEdge = new int[Count + 1];
        for (var n = 0; n < Count; n++)
        {
            _firstEdge[n + 1] = _firstEdge[n] + (int)_nodes[n * _nodeFields + edgeCountAt] * _edgeFields;
        }
    }

    public static HeapGraph Parse(string snapshot)
    {
        using var document = JsonDocument.Parse(snapshot);
        return new HeapGraph(document.RootElement);
    }

    public int Count { get; }

    /// <summary>V8's kind of the node: "code", "closure", "object", "string", "hidden"...</summary>
    public string Type(int node) => _nodeTypes[_nodes[node * _nodeFields + _typeAt]];

    public string Name(int node) => _strings[_nodes[node * _nodeFields + _nameAt]];

    /// <summary>The node's own bytes.</summary>
    public long Size(int node) => _nodes[node * _nodeFields + _sizeAt];

    /// <summary>The node's edges: each one's name ("" for element and hidden edges, which carry an index) and the node it leads to.</summary>
    public IEnumerable<(string Name, int To)> Out(int node)
    {
        for (var e = _firstEdge[node]; e < _firstEdge[node + 1]; e += _edgeFields)
        {
            var name = _edgeTypes[_edges[e + _edgeTypeAt]] is "element" or "hidden" ? "" : _strings[_edges[e + _edgeNameAt]];
            yield return (name, (int)(_edges[e + _toAt] / _nodeFields));
        }
    }
}
