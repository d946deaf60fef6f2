using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace DevServe.Hosting;

/// <summary>
/// Asks the <see cref="CompileServer"/> of a cache directory to compile a servlet into that cache; when none answers,
/// starts one (once per process) for the next start, and the caller compiles in-process this time.
/// </summary>
/// <param name="cacheDirectory">The compiled-script cache the server fills.</param>
/// <param name="startServer">Starts a server process in the background (the CLI knows its own command line); <c>null</c> = never.</param>
internal sealed class CompileServerClient(string cacheDirectory, Action? startServer)
{
    // A Unix socket's path is at most 107 bytes on Linux; a longer cache path goes without a server.
    private const int MaxSocketPathBytes = 107;
    private int _started;

    /// <summary>How long an asked compile may take (a package restore included) before the caller compiles itself.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How long after finding no server one is started: after this process's own first compile (~1.3 s), which a
    /// server starting and warming up at the same time would slow by ~150–200 ms on two cores.
    /// </summary>
    public TimeSpan StartDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>True once the server says the cache holds <paramref name="path"/>'s entry; false if none answers, or it could not.</summary>
    public async Task<bool> TryStoreAsync(string path, bool stateless, CancellationToken cancellationToken)
    {
        var socketPath = CompileServer.SocketPath(cacheDirectory);
        if (Encoding.UTF8.GetByteCount(socketPath) > MaxSocketPathBytes)
        {
            return false;
        }
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or ArgumentOutOfRangeException)   // nothing listens; a path too long
        {
            Start();
            return false;
        }
        try
        {
            await using var stream = new NetworkStream(socket, ownsSocket: false);
            var ask = JsonSerializer.Serialize(new CompileServer.Ask(path, stateless), HostingJson.Default.Ask) + "\n";
            await stream.WriteAsync(Encoding.UTF8.GetBytes(ask), cancellationToken).ConfigureAwait(false);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(Timeout);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            var answer = await reader.ReadLineAsync(timeout.Token).ConfigureAwait(false);
            return answer is not null && JsonSerializer.Deserialize(answer, HostingJson.Default.Answer) is { Stored: true };
        }
        catch (Exception e) when (e is IOException or SocketException or JsonException
            or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;   // a server that died or hangs: compile here
        }
    }

    /// <summary>Whether a server listens on <paramref name="socketPath"/>.</summary>
    internal static async Task<bool> IsListeningAsync(string socketPath, CancellationToken cancellationToken)
    {
        if (!File.Exists(socketPath))
        {
            return false;
        }
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private void Start()
    {
        if (startServer is not null && Interlocked.Exchange(ref _started, 1) == 0)
        {
            _ = Task.Run(async () =>
            {
                await Task.Delay(StartDelay).ConfigureAwait(false);
                startServer();
            });
        }
    }
}
