using System.Threading.Channels;

namespace DevServe;

/// <summary>
/// A request log with an owner: lines go through a channel to one background writer (a slow disk never delays a
/// response), and disposing it writes what is queued and closes the file. <c>Dispatchers.Log</c> makes one that lives
/// as long as the process; servers that own their log (<c>Launch.ServeServlet</c>, <c>devserve</c>, configured
/// sites) dispose it once they have stopped, so the last request is in the file when the stop returns. Use it with
/// <see cref="Dispatchers.Log(LogFormat, RequestLog, Dispatcher?)"/>.
/// </summary>
/// <remarks>Racket: the log port of dispatchers/dispatch-log.rkt.</remarks>
public sealed class RequestLog : IAsyncDisposable
{
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _pump;

    /// <summary>A log appended to the file <paramref name="path"/> (recreated if deleted, as log rotation expects).</summary>
    public RequestLog(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var full = Path.GetFullPath(path);
        _pump = Task.Run(() => PumpAsync(() => new StreamWriter(full, append: true), reopen: () => !File.Exists(full), owned: true));
    }

    /// <summary>A log written to <paramref name="writer"/>, which stays open when the log is disposed.</summary>
    public RequestLog(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        _pump = Task.Run(() => PumpAsync(() => writer, reopen: null, owned: false));
    }

    /// <summary>Queues a line; never blocks.</summary>
    internal void Write(string line) => _lines.Writer.TryWrite(line);

    /// <summary>Writes what is queued, closes the file, and ignores lines that come later.</summary>
    public async ValueTask DisposeAsync()
    {
        _lines.Writer.TryComplete();
        await _pump.ConfigureAwait(false);
    }

    private async Task PumpAsync(Func<TextWriter> open, Func<bool>? reopen, bool owned)
    {
        TextWriter? writer = null;
        try
        {
            while (await _lines.Reader.WaitToReadAsync().ConfigureAwait(false))
            {
                try
                {
                    if (writer is null || reopen?.Invoke() == true)
                    {
                        if (owned && writer is not null)
                        {
                            await writer.DisposeAsync().ConfigureAwait(false);
                        }
                        writer = open();
                    }
                    while (_lines.Reader.TryRead(out var line))
                    {
                        await writer.WriteLineAsync(line).ConfigureAwait(false);
                    }
                    await writer.FlushAsync().ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException)
                {
                    // A log that cannot be written must not take the server down; try again with the next line.
                    await Console.Error.WriteLineAsync($"DevServe: cannot write the request log: {e.Message}").ConfigureAwait(false);
                    writer = null;
                }
            }
        }
        finally
        {
            if (owned && writer is not null)
            {
                await writer.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
