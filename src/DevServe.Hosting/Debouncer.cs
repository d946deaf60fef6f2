using System.Diagnostics;
using System.Threading.Channels;

namespace DevServe.Hosting;

/// <summary>
/// Turns bursts of file events into one action, run once the files have been quiet for a while: editors save with
/// several writes or a temp file and a rename, and a build deletes, creates and writes each output. Eagerly
/// (<see cref="RunEagerlyAsync"/>), the action starts at once and publishes only once the files are quiet.
/// </summary>
internal sealed class Debouncer(TimeSpan quiet)
{
    private readonly Channel<bool> _signals = Channel.CreateUnbounded<bool>(new UnboundedChannelOptions { SingleReader = true });
    private long _last;

    /// <summary>The timestamp of the last signal (<see cref="Stopwatch.GetTimestamp"/>); 0 before the first.</summary>
    public long LastSignal => Volatile.Read(ref _last);

    /// <summary>Something changed (any thread).</summary>
    public void Signal()
    {
        Volatile.Write(ref _last, Stopwatch.GetTimestamp());
        _signals.Writer.TryWrite(true);
    }

    /// <summary>Runs <paramref name="action"/> after each burst, <c>quiet</c> after its last signal, until <see cref="Complete"/>.</summary>
    public async Task RunAsync(Func<Task> action, CancellationToken cancellationToken)
    {
        while (await _signals.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            // Wait from the last signal, not from the first: a late event extends the wait only by what is left.
            await QuietAsync(cancellationToken).ConfigureAwait(false);
            while (_signals.Reader.TryRead(out _))
            {
            }
            await action().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Runs <paramref name="action"/> as soon as a burst begins, so that its work (a compile) overlaps the quiet wait
    /// instead of following it. Before it publishes anything, the action awaits the function it is given: true once the
    /// files have been quiet for <c>quiet</c> with no signal since the action began, so what it read is what was
    /// saved; false once it sees a signal that came after that (at the latest when its wait ends), or on
    /// cancellation. The action then drops its work; the next run, for that signal, waits for quiet first, so a long
    /// burst (an autosave, a checkout) is not compiled over and over.
    /// </summary>
    public async Task RunEagerlyAsync(Func<Func<Task<bool>>, Task> action, CancellationToken cancellationToken)
    {
        var dropped = false;
        while (await _signals.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (dropped)
            {
                await QuietAsync(cancellationToken).ConfigureAwait(false);
            }
            while (_signals.Reader.TryRead(out _))
            {
            }
            // Taken after draining: a signal that comes later is still in the channel, so a dropped action runs again.
            var began = Stopwatch.GetTimestamp();
            dropped = false;
            await action(async () =>
            {
                var settled = await SettledSinceAsync(began, cancellationToken).ConfigureAwait(false);
                dropped |= !settled;
                return settled;
            }).ConfigureAwait(false);
        }
    }

    // Until quiet has passed since the last signal.
    private async Task QuietAsync(CancellationToken cancellationToken)
    {
        for (var since = Stopwatch.GetElapsedTime(Volatile.Read(ref _last)); since < quiet;
             since = Stopwatch.GetElapsedTime(Volatile.Read(ref _last)))
        {
            await Task.Delay(quiet - since, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<bool> SettledSinceAsync(long began, CancellationToken cancellationToken)
    {
        // Strictly before: a signal stamped in the same tick as the start may be a write the action did not read.
        for (var last = Volatile.Read(ref _last); last < began; last = Volatile.Read(ref _last))
        {
            var since = Stopwatch.GetElapsedTime(last);
            if (since >= quiet)
            {
                return true;
            }
            try
            {
                await Task.Delay(quiet - since, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }
        return false;
    }

    /// <summary>Ends <see cref="RunAsync"/> and <see cref="RunEagerlyAsync"/>.</summary>
    public void Complete() => _signals.Writer.TryComplete();
}
