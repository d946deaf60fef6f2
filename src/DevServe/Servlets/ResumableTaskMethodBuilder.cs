using System.ComponentModel;
using System.Runtime.CompilerServices;
using DevServe.Internal;

namespace DevServe;

/// <summary>
/// Builds an <c>async Task&lt;T&gt;</c> method whose suspensions in <see cref="Web.SendSuspend"/> can be resumed any
/// number of times, each resumption going on from the suspension point with its own copy of the suspended frames
/// (their locals copied, the objects they point to shared, as in Racket). Script servlets get it on every async
/// method without asking; in a plugin or a program, put it on <c>Start</c> and on every async method between
/// <c>Start</c> and a <c>SendSuspend</c>:
/// <code>
/// [AsyncMethodBuilder(typeof(ResumableTaskMethodBuilder&lt;&gt;))]
/// public static async Task&lt;Response&gt; Start(Request request) { ... }
/// </code>
/// </summary>
/// <remarks>
/// The method still returns an ordinary <see cref="Task{TResult}"/>, and behaves as one for everything but
/// <c>SendSuspend</c>. A suspension whose frames cannot all be copied (an async lambda or a library method between
/// it and <c>Start</c>, <c>Task.WhenAll</c> around it) falls back to replay and says so once on standard error.
/// docs/design/continuations.md §12 describes the mechanism.
/// </remarks>
/// <typeparam name="TResult">The method's result.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public struct ResumableTaskMethodBuilder<TResult>
{
    private ResumableFrame<TResult>? _frame;

    private ResumableFrame<TResult> Frame => _frame ??= new ResumableFrame<TResult>();

    /// <summary>Called by the compiler.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1000", Justification = "The async method builder pattern is a static Create.")]
    public static ResumableTaskMethodBuilder<TResult> Create() => default;

    /// <summary>The method's task.</summary>
    public Task<TResult> Task => ResumableFrame.Returned(Frame).TypedTask;

    /// <summary>Called by the compiler.</summary>
    public void Start<TStateMachine>(ref TStateMachine stateMachine) where TStateMachine : IAsyncStateMachine
        => ResumableFrame.Start(Frame, ref stateMachine);

    /// <summary>Called by the compiler (not used).</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "The async method builder pattern is an instance method.")]
    public readonly void SetStateMachine(IAsyncStateMachine stateMachine)
    {
    }

    /// <summary>Called by the compiler.</summary>
    public void SetResult(TResult result) => Frame.SetResult(result);

    /// <summary>Called by the compiler.</summary>
    public void SetException(Exception exception) => Frame.SetException(exception);

    /// <summary>Called by the compiler.</summary>
    public void AwaitOnCompleted<TAwaiter, TStateMachine>(ref TAwaiter awaiter, ref TStateMachine stateMachine)
        where TAwaiter : INotifyCompletion where TStateMachine : IAsyncStateMachine
    {
        if (ResumableFrame.Suspend(Frame, ref awaiter, ref stateMachine) is { } next)
        {
            awaiter.OnCompleted(next);
        }
    }

    /// <summary>Called by the compiler.</summary>
    public void AwaitUnsafeOnCompleted<TAwaiter, TStateMachine>(ref TAwaiter awaiter, ref TStateMachine stateMachine)
        where TAwaiter : ICriticalNotifyCompletion where TStateMachine : IAsyncStateMachine
    {
        if (ResumableFrame.Suspend(Frame, ref awaiter, ref stateMachine) is { } next)
        {
            awaiter.UnsafeOnCompleted(next);
        }
    }
}

/// <summary>
/// <see cref="ResumableTaskMethodBuilder{TResult}"/> for <c>async Task</c> methods:
/// <c>[AsyncMethodBuilder(typeof(ResumableTaskMethodBuilder))]</c>.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public struct ResumableTaskMethodBuilder
{
    // The generic builder over a result nobody sees, as the runtime's AsyncTaskMethodBuilder does.
    private ResumableTaskMethodBuilder<VoidResult> _inner;

    /// <summary>Called by the compiler.</summary>
    public static ResumableTaskMethodBuilder Create() => default;

    /// <summary>The method's task.</summary>
    public Task Task => _inner.Task;

    /// <summary>Called by the compiler.</summary>
    public void Start<TStateMachine>(ref TStateMachine stateMachine) where TStateMachine : IAsyncStateMachine
        => _inner.Start(ref stateMachine);

    /// <summary>Called by the compiler (not used).</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "The async method builder pattern is an instance method.")]
    public readonly void SetStateMachine(IAsyncStateMachine stateMachine)
    {
    }

    /// <summary>Called by the compiler.</summary>
    public void SetResult() => _inner.SetResult(default);

    /// <summary>Called by the compiler.</summary>
    public void SetException(Exception exception) => _inner.SetException(exception);

    /// <summary>Called by the compiler.</summary>
    public void AwaitOnCompleted<TAwaiter, TStateMachine>(ref TAwaiter awaiter, ref TStateMachine stateMachine)
        where TAwaiter : INotifyCompletion where TStateMachine : IAsyncStateMachine
        => _inner.AwaitOnCompleted(ref awaiter, ref stateMachine);

    /// <summary>Called by the compiler.</summary>
    public void AwaitUnsafeOnCompleted<TAwaiter, TStateMachine>(ref TAwaiter awaiter, ref TStateMachine stateMachine)
        where TAwaiter : ICriticalNotifyCompletion where TStateMachine : IAsyncStateMachine
        => _inner.AwaitUnsafeOnCompleted(ref awaiter, ref stateMachine);
}
