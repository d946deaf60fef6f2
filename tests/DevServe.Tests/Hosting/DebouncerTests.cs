using System.Diagnostics;
using DevServe.Hosting;

namespace DevServe.Tests;

public sealed class DebouncerTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task An_eager_action_starts_at_the_first_signal_and_may_publish_only_once_the_files_are_quiet()
    {
        var quiet = TimeSpan.FromMilliseconds(400);
        var debouncer = new Debouncer(quiet);
        using var stop = new CancellationTokenSource();
        var began = new TaskCompletionSource<TimeSpan>();
        var settled = new TaskCompletionSource<(bool, TimeSpan)>();
        var signalled = 0L;
        var loop = debouncer.RunEagerlyAsync(async isSettled =>
        {
            began.TrySetResult(Stopwatch.GetElapsedTime(signalled));
            var answer = await isSettled();
            settled.TrySetResult((answer, Stopwatch.GetElapsedTime(signalled)));
        }, stop.Token);

        signalled = Stopwatch.GetTimestamp();
        debouncer.Signal();
        var start = await began.Task.WaitAsync(s_timeout);
        var (ok, after) = await settled.Task.WaitAsync(s_timeout);

        Assert.True(start < quiet, $"the action began {start.TotalMilliseconds} ms after the signal, not before the quiet wait ended");
        Assert.True(ok);
        Assert.True(after >= quiet, $"settled after {after.TotalMilliseconds} ms, before the files were quiet for {quiet.TotalMilliseconds} ms");
        debouncer.Complete();
        await loop.WaitAsync(s_timeout);
    }

    [Fact]
    public async Task A_signal_after_an_eager_action_began_drops_its_work_and_runs_it_again()
    {
        var debouncer = new Debouncer(TimeSpan.FromMilliseconds(50));
        using var stop = new CancellationTokenSource();
        var answers = new List<bool>();
        var second = new TaskCompletionSource();
        var loop = debouncer.RunEagerlyAsync(async isSettled =>
        {
            if (answers.Count == 0)
            {
                debouncer.Signal();   // the editor writes again while the first compile runs
            }
            answers.Add(await isSettled());
            if (answers.Count == 2)
            {
                second.TrySetResult();
            }
        }, stop.Token);

        debouncer.Signal();
        await second.Task.WaitAsync(s_timeout);

        Assert.Equal([false, true], answers);
        debouncer.Complete();
        await loop.WaitAsync(s_timeout);
        Assert.Equal(2, answers.Count);   // nothing left over: the second run covered the second signal
    }

    [Fact]
    public async Task A_cancelled_wait_for_quiet_says_do_not_publish()
    {
        var debouncer = new Debouncer(TimeSpan.FromSeconds(60));
        using var stop = new CancellationTokenSource();
        var answer = new TaskCompletionSource<bool>();
        var loop = debouncer.RunEagerlyAsync(async isSettled =>
        {
            var waiting = isSettled();
            await stop.CancelAsync();
            answer.TrySetResult(await waiting);
        }, stop.Token);

        debouncer.Signal();

        Assert.False(await answer.Task.WaitAsync(s_timeout));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => loop.WaitAsync(s_timeout));
    }
}
