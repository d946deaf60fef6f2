using System.Runtime.CompilerServices;
using System.Threading.Tasks.Sources;
using DevServe.Internal;

namespace DevServe.Tests;

/// <summary>
/// The response timeout's waits (one timer per server, a waiter per connection): what a waiter keeps, and when it
/// is done with. Over HTTP, DispatchersTests covers the 503 and a connection's requests after one.
/// </summary>
public sealed class ResponseWaitsTests
{
    [Fact]
    public async Task A_wait_past_its_deadline_throws_TimeoutException_and_retires_its_waiter()
    {
        var waiter = new ResponseWaits(TimeSpan.FromMilliseconds(50)).NewWaiter();
        var never = new TaskCompletionSource<Response?>();
        await Assert.ThrowsAsync<TimeoutException>(() => waiter.WaitAsync(new ValueTask<Response?>(never.Task)).AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(waiter.Retired);
        Assert.False(waiter.Listed);
    }

    [Fact]
    public async Task A_waiter_answers_one_wait_after_another_with_each_ones_answer()
    {
        var waiter = new ResponseWaits(TimeSpan.FromSeconds(30)).NewWaiter();
        for (var i = 0; i < 100; i++)
        {
            var answer = new TaskCompletionSource<Response?>(TaskCreationOptions.RunContinuationsAsynchronously);
            var waiting = waiter.WaitAsync(new ValueTask<Response?>(answer.Task));
            var response = Response.Text("answer " + i);
            answer.SetResult(response);
            Assert.Same(response, await waiting.AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        }
        Assert.False(waiter.Retired);
        Assert.False(waiter.Listed);
    }

    [Fact]
    public async Task A_waiter_keeps_no_answer_alive_once_it_is_read()
    {
        var waiter = new ResponseWaits(TimeSpan.FromSeconds(30)).NewWaiter();
        var tracker = new WeakTracker();
        await AnswerOnceAsync(waiter, tracker);
        Assert.Equal(0, tracker.AliveAfterCollecting());
        GC.KeepAlive(waiter);
    }

    [Fact]
    public async Task A_timed_out_waiter_lets_go_of_the_late_answer()
    {
        // The connection may keep its retired waiter until its next request: the late answer must not stay with it.
        var waiter = new ResponseWaits(TimeSpan.FromMilliseconds(50)).NewWaiter();
        var tracker = new WeakTracker();
        await TimeOutThenAnswerLateAsync(waiter, tracker);
        Assert.Equal(0, tracker.AliveAfterCollecting());
        GC.KeepAlive(waiter);
    }

    [Fact]
    public async Task A_source_that_refuses_a_continuation_retires_the_waiter_and_leaves_nothing_waiting()
    {
        var waits = new ResponseWaits(TimeSpan.FromSeconds(30));
        var waiter = waits.NewWaiter();
        Assert.Throws<InvalidOperationException>(() => waiter.WaitAsync(new ValueTask<Response?>(new RefusingSource(), 0)));
        Assert.True(waiter.Retired);
        Assert.False(waiter.Listed);
        // The list is whole: another waiter waits and is answered.
        var answer = new TaskCompletionSource<Response?>();
        var waiting = waits.NewWaiter().WaitAsync(new ValueTask<Response?>(answer.Task));
        await Task.Run(() => answer.SetResult(null));   // no context here: the waiter is answered before this returns
        Assert.True(waiting.IsCompletedSuccessfully);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]   // no stack slot of the test keeps the response
    private static async Task AnswerOnceAsync(ResponseWaits.Waiter waiter, WeakTracker tracker)
    {
        var answer = new TaskCompletionSource<Response?>();
        var waiting = waiter.WaitAsync(new ValueTask<Response?>(answer.Task));
        await Task.Run(() => answer.SetResult(TrackedResponse(tracker)));
        Assert.True(waiting.IsCompleted);
        await waiting;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task TimeOutThenAnswerLateAsync(ResponseWaits.Waiter waiter, WeakTracker tracker)
    {
        var late = new TaskCompletionSource<Response?>();
        await Assert.ThrowsAsync<TimeoutException>(() => waiter.WaitAsync(new ValueTask<Response?>(late.Task)).AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        await Task.Run(() => late.SetResult(TrackedResponse(tracker)));   // no context: the waiter sees the late answer before this returns
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Response TrackedResponse(WeakTracker tracker)
    {
        var response = Response.Text("kept?");
        tracker.Track(response);
        return response;
    }

    /// <summary>A pending source that throws when given a continuation, as a misused one does.</summary>
    private sealed class RefusingSource : IValueTaskSource<Response?>
    {
        public Response? GetResult(short token) => throw new InvalidOperationException("never completes");

        public ValueTaskSourceStatus GetStatus(short token) => ValueTaskSourceStatus.Pending;

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
            => throw new InvalidOperationException("refused");
    }
}
