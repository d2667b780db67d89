using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using VanguardHub.Tests.Infrastructure;

namespace VanguardHub.Tests.Process;

/// <summary>
/// Debian's nginx in front of several Dashboard nodes, configured as scripts/cluster.sh configures it, run as a child
/// process of the test (its own prefix, pid, logs and temp folders in a temporary folder; killed at the end).
/// Every response carries <c>X-Upstream</c>: the node that answered it.
/// </summary>
internal sealed class NginxProxy : IAsyncDisposable
{
    public const string Binary = "/usr/sbin/nginx";
    public const string UpstreamHeader = "X-Upstream";

    private readonly System.Diagnostics.Process _process;
    private readonly TempFolder _folder;
    private readonly List<string> _output = [];

    private NginxProxy(System.Diagnostics.Process process, TempFolder folder, Uri address)
    {
        _process = process;
        _folder = folder;
        Address = address;
    }

    public Uri Address { get; }

    public string ErrorLog => ReadShared(Path.Combine(_folder.Path, "logs", "error.log"));

    public string AccessLog => ReadShared(Path.Combine(_folder.Path, "logs", "access.log"));

    public static async Task<NginxProxy> StartAsync(IReadOnlyList<int> nodePorts)
    {
        if (!File.Exists(Binary))
        {
            throw new InvalidOperationException($"{Binary} is missing: ./test.sh installs Debian's nginx package (run it once, as root or with sudo), or install it with 'sudo apt-get install nginx'.");
        }

        var folder = new TempFolder();
        Directory.CreateDirectory(Path.Combine(folder.Path, "logs"));
        Directory.CreateDirectory(Path.Combine(folder.Path, "temp"));
        var port = FreePorts.Next();
        var conf = Path.Combine(folder.Path, "nginx.conf");
        await File.WriteAllTextAsync(conf, Config(folder.Path, port, nodePorts));

        var info = new ProcessStartInfo(Binary, ["-p", folder.Path, "-c", conf, "-e", Path.Combine(folder.Path, "logs", "error.log"), "-g", "daemon off;"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = System.Diagnostics.Process.Start(info) ?? throw new InvalidOperationException("nginx did not start.");
        var proxy = new NginxProxy(process, folder, new Uri($"http://127.0.0.1:{port}"));
        process.OutputDataReceived += (_, e) => proxy.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => proxy.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await proxy.WaitUntilListening(port, TimeSpan.FromSeconds(10));
        return proxy;
    }

    /// <summary>The configuration scripts/cluster.sh generates, for these ports and folders.</summary>
    public static string Config(string prefix, int port, IReadOnlyList<int> nodePorts)
    {
        var servers = new StringBuilder();
        foreach (var node in nodePorts)
        {
            servers.Append($"        server 127.0.0.1:{node} max_fails=1 fail_timeout=5s;\n");
        }

        return $$"""
            worker_processes 1;
            pid {{prefix}}/nginx.pid;
            error_log {{prefix}}/logs/error.log warn;

            events {
                worker_connections 1024;
            }

            http {
                access_log {{prefix}}/logs/access.log;
                client_body_temp_path {{prefix}}/temp/body;
                proxy_temp_path {{prefix}}/temp/proxy;
                fastcgi_temp_path {{prefix}}/temp/fastcgi;
                uwsgi_temp_path {{prefix}}/temp/uwsgi;
                scgi_temp_path {{prefix}}/temp/scgi;
                client_max_body_size 1m;
                client_body_buffer_size 1m;
                proxy_max_temp_file_size 0;

                map $http_upgrade $connection_upgrade {
                    default upgrade;
                    ''      '';
                }

                # API, pages and probes: any node will do.
                upstream vanguardhub {
                    least_conn;
            {{servers}}        keepalive 16;
                }

                # The hub: sticky, so a client's negotiate and its connection (WebSocket, SSE or long polling) reach
                # the same node; hash of the whole address on a consistent ring (see scripts/cluster.sh for why not ip_hash).
                upstream vanguardhub_hub {
                    hash $remote_addr consistent;
            {{servers}}        keepalive 16;
                }

                server {
                    listen 127.0.0.1:{{port}};

                    proxy_http_version 1.1;
                    proxy_set_header Host $http_host;
                    proxy_set_header X-Real-IP $remote_addr;
                    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                    proxy_set_header X-Forwarded-Proto $scheme;
                    # Here, not in a location: a location with any proxy_set_header of its own inherits none of these.
                    proxy_set_header Upgrade $http_upgrade;
                    proxy_set_header Connection $connection_upgrade;
                    proxy_connect_timeout 2s;
                    proxy_next_upstream error timeout http_502 http_503;
                    proxy_next_upstream_tries 3;
                    proxy_next_upstream_timeout 10s;
                    add_header {{UpstreamHeader}} $upstream_addr always;

                    location /hubs/ {
                        proxy_pass http://vanguardhub_hub;
                        proxy_buffering off;
                        proxy_read_timeout 1h;
                        proxy_send_timeout 1h;
                    }

                    location / {
                        proxy_pass http://vanguardhub;
                        proxy_read_timeout 60s;
                    }
                }
            }

            """;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            // The master and its worker.
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        _folder.Dispose();
    }

    private static string ReadShared(string path)
    {
        if (!File.Exists(path))
        {
            return "";
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.Add(line);
        }
    }

    private async Task WaitUntilListening(int port, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                string output;
                lock (_output)
                {
                    output = string.Join('\n', _output);
                }

                throw new InvalidOperationException($"nginx exited with {_process.ExitCode}:\n{output}\n{ErrorLog}");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(System.Net.IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }

        throw new TimeoutException($"nginx did not listen on {port} within {timeout}:\n{ErrorLog}");
    }
}
