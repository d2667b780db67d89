namespace VanguardHub.Tests.Infrastructure;

internal static class FreePorts
{
    private static readonly Lock Gate = new();
    private static readonly (int First, int Last) Range = BelowEphemeral();
    private static int _cursor = Range.First + Random.Shared.Next(Range.Last - Range.First);

    /// <summary>
    /// A port nobody listens on right now, for silos and web hosts started by tests and by the benchmark. Ports come
    /// from below the range the kernel picks outgoing connections' local ports from, so none is taken by a connection
    /// between the moment it is handed out and the moment its host binds it (a three-node test hands out nine before
    /// its nodes start), and none is handed out twice in a run.
    /// </summary>
    public static int Next()
    {
        lock (Gate)
        {
            for (var tried = 0; tried <= Range.Last - Range.First; tried++)
            {
                var port = _cursor;
                _cursor = _cursor >= Range.Last ? Range.First : _cursor + 1;
                if (IsFree(port))
                {
                    return port;
                }
            }

            throw new InvalidOperationException($"No free port between {Range.First} and {Range.Last}.");
        }
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    }

    /// <summary>Ports from 20000 up to the start of the kernel's ephemeral range (32768 unless configured otherwise).</summary>
    private static (int First, int Last) BelowEphemeral()
    {
        const string Setting = "/proc/sys/net/ipv4/ip_local_port_range";
        var ephemeralStart = File.Exists(Setting) && int.TryParse(File.ReadAllText(Setting).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)[0], out var first)
            ? first
            : 32768;
        return (Math.Min(20000, ephemeralStart - 1000), ephemeralStart - 1);
    }
}
