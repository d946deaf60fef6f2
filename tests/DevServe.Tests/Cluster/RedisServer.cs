using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace DevServe.Tests;

/// <summary>A real redis-server (Debian's) on 127.0.0.1 and a free port, no persistence; stop and start it again on the same port.</summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly string _maxMemory;
    private Process? _process;

    private RedisServer(int port, string maxMemory)
    {
        Port = port;
        _maxMemory = maxMemory;
    }

    public int Port { get; }

    public string Url => $"redis://127.0.0.1:{Port}";

    public static async Task<RedisServer> StartAsync(string maxMemory = "64mb")
    {
        var server = new RedisServer(FreePort(), maxMemory);
        await server.StartAgainAsync();
        return server;
    }

    public async Task StartAgainAsync()
    {
        var info = new ProcessStartInfo("redis-server",
            ["--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--maxmemory", _maxMemory, "--maxmemory-policy", "volatile-lru"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        _process = Process.Start(info)!;
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !_process.HasExited)
            {
                await Task.Delay(50);
            }
        }
    }

    public async Task StopAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
    }

    /// <summary>Runs redis-cli against this server; its output.</summary>
    public async Task<string> CliAsync(params string[] args)
    {
        var info = new ProcessStartInfo("redis-cli", ["-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), .. args]) { RedirectStandardOutput = true };
        using var cli = Process.Start(info)!;
        var output = await cli.StandardOutput.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(10));
        await cli.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        return output.Trim();
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }
}
