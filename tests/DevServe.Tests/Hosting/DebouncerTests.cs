using System.Diagnostics;
using DevServe.Hosting;

namespace DevServe.Tests;

public sealed class DebouncerTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task An_eager_action_starts_before_the_files_are_quiet_and_may_publish_only_once_they_are()
    {
        var quiet = TimeSpan.FromMilliseconds(300);
        var debouncer = new Debouncer(quiet);
        using var stop = new CancellationTokenSource();
        var began = new TaskCompletionSource<Task<bool>>();
        var loop = debouncer.RunEagerlyAsync(isSettled =>
        {
            var settled = isSettled();
            began.TrySetResult(settled);
            return settled;
        }, stop.Token);

        var signalled = Stopwatch.GetTimestamp();
        debouncer.Signal();
        var settled = await began.Task.WaitAsync(s_timeout);

        Assert.True(await settled.WaitAsync(s_timeout));
        var settledAfter = Stopwatch.GetElapsedTime(signalled);
        Assert.True(settledAfter >= quiet, $"settled {settledAfter.TotalMilliseconds} ms after the signal, before {quiet.TotalMilliseconds} ms of quiet");
        debouncer.Complete();
        await loop.WaitAsync(s_timeout);
    }

    [Fact]
    public async Task An_eager_action_runs_while_the_files_are_not_quiet_yet()
    {
        var debouncer = new Debouncer(TimeSpan.FromMinutes(10));
        using var stop = new CancellationTokenSource();
        var began = new TaskCompletionSource<Task<bool>>();
        var loop = debouncer.RunEagerlyAsync(isSettled =>
        {
            var settled = isSettled();
            began.TrySetResult(settled);
            return settled;
        }, stop.Token);

        debouncer.Signal();
        var settled = await began.Task.WaitAsync(s_timeout);   // began within the 10 minutes of quiet it waits for

        Assert.False(settled.IsCompleted);
        await stop.CancelAsync();
        Assert.False(await settled.WaitAsync(s_timeout));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => loop.WaitAsync(s_timeout));
    }

    [Fact]
    public async Task A_signal_while_an_eager_action_waits_for_quiet_drops_its_work()
    {
        var debouncer = new Debouncer(TimeSpan.FromSeconds(1));
        using var stop = new CancellationTokenSource();
        var answers = new List<bool>();
        var waiting = false;
        var second = new TaskCompletionSource();
        var loop = debouncer.RunEagerlyAsync(async isSettled =>
        {
            var settled = isSettled();
            if (answers.Count == 0)
            {
                waiting = !settled.IsCompleted;
                debouncer.Signal();   // a second write while the first version waits to be swapped in
            }
            answers.Add(await settled);
            if (answers.Count == 2)
            {
                second.TrySetResult();
            }
        }, stop.Token);

        debouncer.Signal();
        await second.Task.WaitAsync(s_timeout);

        Assert.True(waiting);
        Assert.Equal([false, true], answers);
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
