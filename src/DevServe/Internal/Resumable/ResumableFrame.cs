using System.Runtime.CompilerServices;

namespace DevServe.Internal;

/// <summary>
/// One activation of a resumable async method (<see cref="ResumableTaskMethodBuilder{TResult}"/>): its task, its
/// state machine once boxed, and who awaits it. The frames of a suspended flow form the chain a continuation
/// copies (<see cref="SuspendedChain"/>).
/// </summary>
/// <remarks>
/// Links are found as the flow runs, on the servlet thread, through three thread-static notes: the frame running
/// now (<c>SendSuspend</c> marks it), the frame that last returned a task to its caller (its caller, awaiting that
/// task next, becomes its parent), and a chain still climbing (its top frame's caller has not awaited it yet).
/// A caller that awaits anything else breaks the chain, and that continuation falls back to replay.
/// </remarks>
internal abstract class ResumableFrame
{
    [ThreadStatic] private static ResumableFrame? t_running;
    [ThreadStatic] private static ResumableFrame? t_returned;
    [ThreadStatic] private static ResumableFrame? t_climbing;

    /// <summary>The frame whose code runs on this thread now, if it is a resumable one.</summary>
    public static ResumableFrame? Running => t_running;

    /// <summary>The flow's root: a frame whose parent is this is awaited by the runtime itself.</summary>
    public static readonly ResumableFrame Root = new ResumableFrame<VoidResult>();

    /// <summary>The frame that awaits this one's task, once known: another frame, <see cref="Root"/>, or <c>null</c>.</summary>
    public ResumableFrame? Parent { get; set; }

    /// <summary>While this frame awaits a child frame: the field that holds the child's awaiter.</summary>
    public AwaiterSlot? ChildSlot { get; set; }

    /// <summary>The state machine, boxed at the first await that did not complete.</summary>
    public StateMachineBox? Box { get; set; }

    /// <summary>A suspension made while this frame ran, to be recognised at its next await.</summary>
    public SuspendedChain? Pending { get; set; }

    /// <summary>While climbing: the chain this frame was added to last.</summary>
    public SuspendedChain? Chain { get; set; }

    public abstract Task Task { get; }

    /// <summary>The method returned or threw: a suspension made in it and never awaited cannot be resumed by copying.</summary>
    protected void Ended()
    {
        if (ReferenceEquals(t_running, this))
        {
            t_running = null;   // completing the task may run a caller inline: it is not this frame's code
        }
        if (Pending is { } suspension)
        {
            Pending = null;
            suspension.Break(this, "SendSuspend's task is never awaited by this method");
        }
    }

    /// <summary>A frame for a method returning <paramref name="result"/> (<see cref="VoidResult"/> for <c>Task</c>).</summary>
    public static ResumableFrame ForResult(Type result) => (ResumableFrame)Activator.CreateInstance(typeof(ResumableFrame<>).MakeGenericType(result))!;

    /// <summary>A fresh frame of the same result type (for a copy of this one).</summary>
    public abstract ResumableFrame Fresh();

    /// <summary>A frame of the same result type that never runs, shared: what a held template keeps to make fresh ones.</summary>
    public abstract ResumableFrame Blank { get; }


    /// <summary>Runs the first part of the method synchronously, as the runtime's builders do (context restored after).</summary>
    public static void Start<TStateMachine>(ResumableFrame frame, ref TStateMachine stateMachine) where TStateMachine : IAsyncStateMachine
    {
        var previous = t_running;
        t_running = frame;
        try
        {
            default(AsyncTaskMethodBuilder).Start(ref stateMachine);   // saves and restores ExecutionContext and SynchronizationContext
        }
        finally
        {
            t_running = previous;
        }
    }

    /// <summary>The method returns its task to its caller: the caller's next await tells whether it is the parent.</summary>
    public static T Returned<T>(T frame) where T : ResumableFrame
    {
        t_returned = frame;
        return frame;
    }

    /// <summary>
    /// The method awaits something that has not completed: boxes the state machine (once), notes the links this await
    /// reveals, and returns what the awaiter calls when it completes — or <c>null</c> when the frame joined a
    /// suspended chain: then nothing is registered unless the chain breaks (a sealed chain is a template that never
    /// runs, and costs no continuation).
    /// </summary>
    public static Action? Suspend<TAwaiter, TStateMachine>(ResumableFrame frame, ref TAwaiter awaiter, ref TStateMachine stateMachine)
        where TAwaiter : INotifyCompletion where TStateMachine : IAsyncStateMachine
    {
        if (frame.Box is not StateMachineBox<TStateMachine> box)
        {
            box = new StateMachineBox<TStateMachine>(frame, stateMachine);
            frame.Box = box;
        }
        box.Context = ExecutionContext.Capture();
        if ((frame.Pending is not null || t_climbing is not null || t_returned is not null) && Link(frame, box, ref awaiter))
        {
            return null;
        }
        return box.MoveNextAction;
    }

    // Whether the frame joined a chain (its continuation is then the chain's to register, if it breaks).
    private static bool Link<TAwaiter, TStateMachine>(ResumableFrame frame, StateMachineBox<TStateMachine> box, ref TAwaiter awaiter)
        where TAwaiter : INotifyCompletion where TStateMachine : IAsyncStateMachine
    {
        var awaited = AwaiterTask.Of(ref awaiter);
        var returned = t_returned;
        t_returned = null;
        if (returned is not null && awaited is not null && ReferenceEquals(awaited, returned.Task))
        {
            returned.Parent = frame;
            frame.ChildSlot = AwaiterSlot.Find<TStateMachine, TAwaiter>(box, awaited);
        }
        if (frame.Pending is { } suspension)
        {
            frame.Pending = null;
            if (awaited is not null && ReferenceEquals(awaited, suspension.SuspensionTask)
                && AwaiterSlot.Find<TStateMachine, TAwaiter>(box, awaited) is { } slot)
            {
                if (suspension.Add(box, slot, deferred: true))
                {
                    Climb(frame, suspension);
                    return true;
                }
                return false;
            }
            suspension.Break(frame, "SendSuspend's task is not awaited by this method itself "
                + "(an async lambda, a library method or Task.WhenAll is in between, or it is stored and awaited later)");
        }
        if (t_climbing is { } child)
        {
            t_climbing = null;
            var chain = child.Chain!;
            child.Chain = null;
            if (ReferenceEquals(child.Parent, frame) && frame.ChildSlot is { } slot)
            {
                if (chain.Add(box, slot, deferred: true))
                {
                    Climb(frame, chain);
                    return true;
                }
            }
            else
            {
                chain.Break(child, $"{Describe(child)} is not awaited directly by its caller ({Describe(frame)} awaits something else)");
            }
        }
        return false;
    }

    // Adds the suspended callers whose links are known; stops at the root (sealed) or at a caller still on the stack.
    private static void Climb(ResumableFrame frame, SuspendedChain chain)
    {
        for (var f = frame; ; f = f.Parent)
        {
            if (ReferenceEquals(f.Parent, Root))
            {
                chain.Seal();
                return;
            }
            if (f.Parent is not { Box: { } parentBox, ChildSlot: { } slot })
            {
                f.Chain = chain;
                t_climbing = f;
                return;
            }
            if (!chain.Add(parentBox, slot, deferred: false))   // already awaiting, its continuation registered
            {
                return;
            }
        }
    }

    /// <summary>
    /// The runtime receives <paramref name="task"/> from a flow's entry point: a frame climbing to it is the root
    /// (the chain is complete); a resumable entry point is marked as the root for later suspensions.
    /// </summary>
    public static void ReachedRoot(Task task)
    {
        if (t_returned is { } returned && ReferenceEquals(returned.Task, task))
        {
            returned.Parent = Root;
        }
        t_returned = null;
        if (t_climbing is { } top)
        {
            t_climbing = null;
            if (ReferenceEquals(top.Task, task))
            {
                top.Parent = Root;
                top.Chain!.Seal();
            }
            else
            {
                top.Chain!.Break(top, $"{Describe(top)} is called through code DevServe did not compile as resumable "
                    + "(an async lambda, a library method, Task.WhenAll...)");
            }
            top.Chain = null;
        }
    }

    /// <summary>
    /// A servlet thread finished a piece of work: a chain still climbing here has no resumable caller left on the
    /// stack (a plain async method resumed by the scheduler awaited it), so it breaks and its page replays.
    /// </summary>
    public static void WorkEnded()
    {
        BreakClimbing();
        t_returned = null;
        t_running = null;
    }

    // A chain still climbing whose top's caller is not resumable (it was resumed by the scheduler, not called).
    private static void BreakClimbing()
    {
        if (t_climbing is { } top)
        {
            t_climbing = null;
            top.Chain!.Break(top, $"{Describe(top)} is awaited by code DevServe did not compile as resumable "
                + "(an async lambda, a library method, Task.WhenAll...)");
            top.Chain = null;
        }
    }

    /// <summary>What a resumed frame's code found on its thread, restored when it has run.</summary>
    public readonly record struct Outer(ResumableFrame? Running, ResumableFrame? Returned, ResumableFrame? Climbing);

    /// <summary>Enters a resumed frame's code on this thread (a continuation, maybe inline in another flow's code).</summary>
    public static Outer Enter(ResumableFrame frame)
    {
        var outer = new Outer(t_running, t_returned, t_climbing);
        t_running = frame;
        t_returned = null;
        t_climbing = null;
        return outer;
    }

    /// <summary>
    /// A resumed frame's code has run up to its next await or its end. Nothing on the stack below awaits it, so a
    /// chain still climbing cannot go on: a caller that is not resumable awaits its top.
    /// </summary>
    public static void Leave(Outer outer)
    {
        BreakClimbing();
        (t_running, t_returned, t_climbing) = outer;
    }

    /// <summary>The method a frame runs, for messages: <c>Start</c> for <c>&lt;Start&gt;d__3</c>.</summary>
    public static string Describe(ResumableFrame frame) => FrameTypes.UserName(frame.Box?.StateMachineType.Name ?? "an async method");
}

/// <summary>A frame of a method returning <see cref="Task{TResult}"/> (or, with <see cref="VoidResult"/>, <see cref="Task"/>).</summary>
internal sealed class ResumableFrame<TResult> : ResumableFrame
{
    // Continuations run inline where they can, as an async method's own task does.
    private readonly TaskCompletionSource<TResult> _completion = new();

    public override Task Task => _completion.Task;

    public Task<TResult> TypedTask => _completion.Task;

    public void SetResult(TResult result)
    {
        Ended();
        _completion.SetResult(result);
    }

    public void SetException(Exception exception)
    {
        Ended();
        if (exception is OperationCanceledException canceled)
        {
            _completion.SetCanceled(canceled.CancellationToken);
        }
        else
        {
            _completion.SetException(exception);
        }
    }

    public override ResumableFrame Fresh() => new ResumableFrame<TResult>();

    private static readonly ResumableFrame<TResult> s_blank = new();

    public override ResumableFrame Blank => s_blank;
}

/// <summary>The result of a frame of an <c>async Task</c> method.</summary>
internal readonly struct VoidResult;
