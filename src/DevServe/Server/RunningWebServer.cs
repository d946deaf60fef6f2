using DevServe.Internal;

namespace DevServe;

/// <summary>A server <see cref="Server.StartAsync"/> started: where it listens, and how to stop it.</summary>
/// <remarks>
/// <c>await using var server = await Server.StartAsync(…)</c>: disposing stops it gracefully (requests in flight get
/// <see cref="SafetyLimits.ShutdownGracePeriod"/>), then at once.
/// </remarks>
public sealed class RunningWebServer : IAsyncDisposable
{
    private readonly RunningServer[] _servers;
    private int _stopped;

    internal RunningWebServer(RunningServer[] servers, IReadOnlyList<int> ports, IReadOnlyList<Uri> urls)
    {
        _servers = servers;
        Ports = ports;
        Urls = urls;
    }

    /// <summary>The ports bound, one per requested port, in order (the free ones chosen for 0 included).</summary>
    public IReadOnlyList<int> Ports { get; }

    /// <summary>A URL for each port, e.g. <c>http://127.0.0.1:49152/</c> (<c>localhost</c> when bound to every address).</summary>
    public IReadOnlyList<Uri> Urls { get; }

    /// <summary>
    /// Stops accepting and lets requests in flight finish; when <paramref name="cancellationToken"/> fires (or the grace
    /// period ends) every connection is aborted at once. Completes when the server has stopped.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        Interlocked.Exchange(ref _stopped, 1);
        var graceful = Task.WhenAll(_servers.Select(s => s.StopAsync()));
        if (!cancellationToken.CanBeCanceled)
        {
            await graceful.ConfigureAwait(false);
            return;
        }
        var aborted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // The second call of each server's stop aborts every connection and returns at once.
        using var registration = cancellationToken.Register(
            () => Task.WhenAll(_servers.Select(s => s.StopAsync())).ContinueWith(_ => aborted.TrySetResult(), TaskScheduler.Default));
        await Task.WhenAny(graceful, aborted.Task).ConfigureAwait(false);
    }

    /// <summary>Stops the server (gracefully, then at once) unless <see cref="StopAsync"/> already did.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Volatile.Read(ref _stopped) == 0)
        {
            await StopAsync().ConfigureAwait(false);
        }
    }
}
