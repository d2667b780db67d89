using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.SignalR.Client;

namespace VanguardHub.Bench;

/// <summary>
/// The push scenario's walls, in a process of their own. In one process with the writer, a wall's messages and the
/// writer's 201s wait in one thread pool, so a busy wall delays the 201 it is measured from (and the reverse): in such
/// runs half the pushes seemed to beat their 201 home. Both processes read <see cref="Stopwatch.GetTimestamp"/>, the
/// machine's monotonic clock, so their readings compare.
/// </summary>
internal static class PushWalls
{
    public const string Command = "push-walls";

    private const string TokenVariable = "VANGUARDHUB_BENCH_WALL_TOKEN";

    private const int ConnectingAtOnce = 50;

    /// <summary>An activity (its team and position in the team's log) and when a wall first saw it counted.</summary>
    public readonly record struct Arrival(string Team, long Sequence, long At);

    public sealed record Received(IReadOnlyList<Arrival> Arrivals, int[] MessagesPerWall);

    /// <summary>The parts of a pushed snapshot or delta these walls read: each race row's team and activity count.</summary>
    /// <remarks>
    /// Read by <see cref="MessageReader"/>, which skips everything else: these walls share the machine with the service
    /// they measure, and binding whole messages (a tally kept as a <see cref="JsonElement"/> is a document of its own)
    /// made them use a third of both cores at 1,000 activities/s, CPU the service's pushes then waited for.
    /// </remarks>
    [JsonConverter(typeof(MessageReader))]
    private sealed record Message(Row[] Leaderboard);

    private readonly record struct Row(string TeamId, long Activities);

    /// <summary>
    /// Reads <c>leaderboard[].teamId</c> and the activity count of <c>leaderboard[].tally</c>: an object in a snapshot,
    /// packed (activities first) in a delta.
    /// </summary>
    private sealed class MessageReader : JsonConverter<Message>
    {
        public override Message Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var rows = new List<Row>();
            Expect(ref reader, JsonTokenType.StartObject);
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isRace = reader.ValueTextEquals("leaderboard"u8);
                reader.Read();
                if (!isRace || reader.TokenType != JsonTokenType.StartArray)
                {
                    reader.Skip();
                    continue;
                }

                while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
                {
                    rows.Add(ReadRow(ref reader));
                }
            }

            return new Message([.. rows]);
        }

        private static Row ReadRow(ref Utf8JsonReader reader)
        {
            string? team = null;
            long? activities = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("teamId"u8))
                {
                    reader.Read();
                    team = reader.GetString();
                }
                else if (reader.ValueTextEquals("tally"u8))
                {
                    reader.Read();
                    activities = ReadActivities(ref reader);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            return new Row(team ?? throw new JsonException("a race row without its team"),
                activities ?? throw new JsonException($"race row {team} without its tally"));
        }

        private static long ReadActivities(ref Utf8JsonReader reader)
        {
            long? activities = null;
            if (reader.TokenType == JsonTokenType.StartArray)
            {
                reader.Read();
                activities = reader.GetInt64();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                }

                return activities.Value;
            }

            Expect(ref reader, JsonTokenType.StartObject);
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isCount = reader.ValueTextEquals("activities"u8);
                reader.Read();
                if (isCount)
                {
                    activities = reader.GetInt64();
                }
                else
                {
                    reader.Skip();
                }
            }

            return activities ?? throw new JsonException("a tally without its activity count");
        }

        private static void Expect(ref Utf8JsonReader reader, JsonTokenType token)
        {
            if (reader.TokenType != token)
            {
                throw new JsonException($"expected {token}, found {reader.TokenType}");
            }
        }

        public override void Write(Utf8JsonWriter writer, Message value, JsonSerializerOptions options) =>
            throw new NotSupportedException("the walls only read");
    }

    /// <summary>In the child: connects the walls, says how many, records until told to stop, then writes what arrived.</summary>
    /// <remarks>Arguments: push-walls HUB-URL WALLS OUT-FILE; the walls' token in <see cref="TokenVariable"/>.</remarks>
    public static async Task<int> RunChild(string[] args)
    {
        var hub = new Uri(args[1]);
        var count = int.Parse(args[2], CultureInfo.InvariantCulture);
        var output = args[3];
        var token = Environment.GetEnvironmentVariable(TokenVariable) ?? throw new InvalidOperationException($"{TokenVariable} is not set");
        var walls = Enumerable.Range(0, count).Select(_ => new Wall()).ToArray();
        await Parallel.ForEachAsync(walls, new ParallelOptions { MaxDegreeOfParallelism = ConnectingAtOnce }, async (wall, _) =>
            await wall.Connect(hub, token));
        Console.WriteLine($"connected {walls.Count(w => w.Connection is not null)}");

        // On a thread of its own: reading the console blocks the thread that reads it.
        await Task.Factory.StartNew(Console.ReadLine, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        await Task.WhenAll(walls.Where(w => w.Connection is not null).Select(w => w.Connection!.DisposeAsync().AsTask()));

        await using var writer = new StreamWriter(output);
        await writer.WriteLineAsync(string.Join(' ', walls.Select(w => w.Messages)));
        foreach (var wall in walls)
        {
            foreach (var (team, sequence, at) in wall.Arrivals)
            {
                await writer.WriteLineAsync($"{team} {sequence} {at}");
            }
        }

        return 0;
    }

    /// <summary>The walls' process, seen from the scenario.</summary>
    public sealed class Child : IDisposable
    {
        private readonly Process _process;
        private readonly string _output = Path.Combine(Path.GetTempPath(), $"vanguardhub-bench-walls-{Guid.NewGuid():N}.txt");

        private Child(Uri hub, string token, int walls)
        {
            var info = new ProcessStartInfo(Environment.ProcessPath!)
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            };
            // Run by "dotnet run" this process is the benchmark's own executable; run as "dotnet bench.dll", the host.
            if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
            {
                info.ArgumentList.Add(typeof(PushWalls).Assembly.Location);
            }

            info.ArgumentList.Add(Command);
            info.ArgumentList.Add(hub.ToString());
            info.ArgumentList.Add(walls.ToString(CultureInfo.InvariantCulture));
            info.ArgumentList.Add(_output);
            info.Environment[TokenVariable] = token;
            _process = Process.Start(info)!;
        }

        /// <summary>Starts the walls and waits until they are connected; returns how many are.</summary>
        public static async Task<(Child Walls, int Connected)> Start(Uri hub, string token, int walls)
        {
            var child = new Child(hub, token, walls);
            var line = await child._process.StandardOutput.ReadLineAsync() ?? throw new InvalidOperationException("the walls' process ended before connecting");
            return (child, int.Parse(line["connected ".Length..], CultureInfo.InvariantCulture));
        }

        /// <summary>CPU time the walls' process has used so far.</summary>
        public TimeSpan CpuTime
        {
            get
            {
                _process.Refresh();
                return _process.TotalProcessorTime;
            }
        }

        /// <summary>Closes the walls and reads what they received.</summary>
        public async Task<Received> Stop()
        {
            await _process.StandardInput.WriteLineAsync("stop");
            await _process.StandardInput.FlushAsync();
            await _process.WaitForExitAsync();
            var arrivals = new List<Arrival>();
            using var reader = new StreamReader(_output);
            var perWall = (await reader.ReadLineAsync())!.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray();
            while (await reader.ReadLineAsync() is { } line)
            {
                var parts = line.Split(' ');
                arrivals.Add(new Arrival(parts[0], long.Parse(parts[1], CultureInfo.InvariantCulture), long.Parse(parts[2], CultureInfo.InvariantCulture)));
            }

            return new Received(arrivals, perWall);
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill();
            }

            _process.Dispose();
            File.Delete(_output);
        }
    }

    /// <summary>One wall: an activity has arrived when a pushed race row's count covers its position in the team's log.</summary>
    private sealed class Wall
    {
        private readonly Dictionary<string, long> _counted = new(StringComparer.Ordinal);

        public List<Arrival> Arrivals { get; } = [];

        public int Messages { get; private set; }

        public HubConnection? Connection { get; private set; }

        public async Task Connect(Uri hub, string token)
        {
            var connection = new HubConnectionBuilder()
                .WithUrl(hub, options => options.AccessTokenProvider = () => Task.FromResult<string?>(token))
                .Build();
            // A whole snapshot carries every race row; a delta only the rows that changed, which are all that can bring news.
            connection.On<Message>("board", Arrived);
            connection.On<Message>("boardDelta", Arrived);
            connection.On<Message>("heartbeat", _ => { });
            await connection.StartAsync();
            Connection = connection;
        }

        private void Arrived(Message message)
        {
            var now = Stopwatch.GetTimestamp();
            lock (_counted)
            {
                Messages++;
                foreach (var row in message.Leaderboard)
                {
                    var count = row.Activities;
                    for (var sequence = _counted.GetValueOrDefault(row.TeamId); sequence < count; sequence++)
                    {
                        Arrivals.Add(new Arrival(row.TeamId, sequence, now));
                    }

                    _counted[row.TeamId] = Math.Max(count, _counted.GetValueOrDefault(row.TeamId));
                }
            }
        }
    }
}
