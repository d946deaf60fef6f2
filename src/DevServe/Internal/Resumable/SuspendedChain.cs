using System.Collections.Concurrent;

namespace DevServe.Internal;

/// <summary>
/// The frames a <c>SendSuspend</c> suspended, innermost first, up to the flow's entry point: the template every
/// resumption of that continuation copies. The template itself never runs again.
/// </summary>
/// <remarks>
/// It is assembled as the suspension unwinds (each caller adds itself when it awaits its callee) and is then
/// sealed, or broken when a caller cannot be copied; a broken chain falls back to the live flow and replay, and
/// that is said once per call site on standard error. A chain the manager holds (stateful) lets go of the live flow
/// when it is sealed: the templates keep only what a copy needs. docs/design/continuations.md §12.
/// </remarks>
/// <param name="suspensionTask">The task <c>SendSuspend</c> returned: the innermost frame awaits it.</param>
/// <param name="file">The suspension's file, for the replay warning.</param>
/// <param name="line">Its line.</param>
/// <param name="rootContext">
/// A chain the manager holds: the flow's context at its root (a frame still in it set no AsyncLocal of its own, and a
/// copy runs in the copy's root context). <c>null</c> for a chain written to a stateless link and never held.
/// </param>
internal sealed class SuspendedChain(Task suspensionTask, string file, int line, ExecutionContext? rootContext = null) : IEstimatedSize
{
    private const int Climbing = 0, Sealed = 1, Broken = 2;
    private static readonly ConcurrentDictionary<(string File, int Line), bool> s_warned = new();

    // Innermost first: the first in a field (most chains are one frame, and a kept chain is one object less for the
    // collector to copy), the rest in an array. Deferred: the frame's own continuation is not registered yet.
    private (StateMachineBox Box, AwaiterSlot Slot, bool Deferred) _first;
    private (StateMachineBox Box, AwaiterSlot Slot, bool Deferred)[]? _more;
    private int _count;

    private ref (StateMachineBox Box, AwaiterSlot Slot, bool Deferred) At(int i) => ref i == 0 ? ref _first : ref _more![i - 1];
    private int _state;

    private volatile SuspendedFlow? _suspended;

    /// <summary>
    /// A stateful suspension's live side (its flow, its log, what the watchdog knows of it): what a resumption needs while
    /// the chain climbs and once it is broken, and what fix-and-retry reads its log from. A chain the manager keeps lets
    /// go of it when it is sealed, unless its servlet keeps whole logs: each object a kept continuation holds is copied
    /// twice by the collector before it dies (BENCHMARKS.md, 2026-12-03).
    /// </summary>
    public SuspendedFlow? Suspended => _suspended;

    /// <summary>Keeps the frames of <paramref name="suspended"/>, which the manager now keeps as this chain.</summary>
    /// <param name="suspended">The suspension's live side.</param>
    /// <param name="fedHeaders">The headers of the request its flow was fed last (see <see cref="FedHeaders"/>).</param>
    public void Keep(SuspendedFlow suspended, IReadOnlyList<Header> fedHeaders)
    {
        _suspended = suspended;
        FedHeaders = fedHeaders;
        EstimatedBytes = suspended.EstimatedBytes;
    }

    /// <summary>
    /// The headers of the request the flow was fed last (its locals may hold it): a resumption's request shares the
    /// equal ones (<c>Request.ShareHeadersWith</c>), so a conversation keeps and is charged for a browser's headers once.
    /// </summary>
    public IReadOnlyList<Header>? FedHeaders { get; private set; }

    /// <summary>What the manager charges for keeping this chain (its suspension's estimate).</summary>
    public long EstimatedBytes { get; private set; } = IEstimatedSize.FlowBytes;

    /// <summary>The suspension's line.</summary>
    public int Line => line;

    /// <summary>The task <c>SendSuspend</c> returned, while the chain climbs: the innermost frame awaits it.</summary>
    public Task? SuspensionTask { get; private set; } = suspensionTask;

    /// <summary>Why the chain broke, if it did.</summary>
    public string? Reason { get; private set; }

    /// <summary>The frames, innermost first, each with the field that holds what it awaits.</summary>
    public IReadOnlyList<(StateMachineBox Box, AwaiterSlot Slot)> Frames
    {
        get
        {
            var frames = new (StateMachineBox, AwaiterSlot)[_count];
            for (var i = 0; i < _count; i++)
            {
                frames[i] = (At(i).Box, At(i).Slot);
            }
            return frames;
        }
    }

    /// <summary>
    /// Called once the chain is sealed (true) or broken (false): a stateless page is made then, and a stateful
    /// continuation lets go of its live flow. On the suspending thread, or on a resumer's that waited too long.
    /// </summary>
    public Action<bool>? Resolved { get; set; }

    /// <summary>Adds the next frame outwards; false when it cannot be copied (the chain is then broken).</summary>
    /// <param name="box">The frame's state machine.</param>
    /// <param name="slot">Where it holds what it awaits.</param>
    /// <param name="deferred">Its continuation is not registered: the chain registers it if it breaks.</param>
    // The suspending thread adds and seals; a resumption that waited too long breaks it from another: one lock, never contended in practice.
    public bool Add(StateMachineBox box, AwaiterSlot slot, bool deferred)
    {
        lock (this)
        {
            if (_state != Climbing)
            {
                return false;
            }
            if (box.HeldResource() is { } held)
            {
                Break(box.Frame, held + ": copies of the frame would share it");
                return false;
            }
            if (_count > 0 && _count - 1 == (_more?.Length ?? 0))
            {
                Array.Resize(ref _more, Math.Max(2, _count * 2));
            }
            At(_count++) = (box, slot, deferred);
            return true;
        }
    }

    public void Seal()
    {
        lock (this)
        {
            if (_state == Climbing)
            {
                if (rootContext is not null)
                {
                    Detach();
                }
                Volatile.Write(ref _state, Sealed);
                Resolve(true);
            }
        }
    }

    // A held template never runs: it lets go of what links it to the live flow (the tasks it awaited, its builder's
    // frame, whose task the live caller awaits, the flow's root context), so keeping it keeps ~650 B less per
    // continuation (BENCHMARKS.md, 2026-12-02) and the live flow is garbage once its page is sent.
    private void Detach()
    {
        for (var i = 0; i < _count; i++)
        {
            var (box, slot, _) = At(i);
            if (ReferenceEquals(box.Context, rootContext))
            {
                box.Context = null;   // a copy runs in its own flow's root context
            }
            box.Detach(slot);
        }
        SuspensionTask = null;
        rootContext = null;
    }

    // Once: the callback holds the page, which a kept continuation must not keep.
    private void Resolve(bool isSealed)
    {
        var resolved = Resolved;
        Resolved = null;
        resolved?.Invoke(isSealed);
        if (_suspended is { } suspended)
        {
            suspended.ChainResolved(isSealed);   // sealed: the live flow is not needed, and is let go
            if (isSealed && !suspended.KeepsLog)
            {
                _suspended = null;
            }
        }
    }

    public void Break(ResumableFrame? at, string reason)
    {
        lock (this)
        {
            BreakLocked(at, reason);
        }
    }

    private void BreakLocked(ResumableFrame? at, string reason)
    {
        if (_state != Climbing)
        {
            return;
        }
        Reason = at is null ? reason : $"in {ResumableFrame.Describe(at)}, {reason}";
        // The live flow goes on instead: the frames that joined register the continuations they held back.
        for (var i = 0; i < _count; i++)
        {
            var (box, slot, deferred) = At(i);
            if (deferred)
            {
                slot.Register(box);
            }
        }
        _first = default;
        _more = null;
        _count = 0;
        Volatile.Write(ref _state, Broken);
        Resolve(false);
        WarnReplay(file, line, Reason);
    }

    /// <summary>Says once per call site, on standard error, that a suspension is resumed by replay, and why.</summary>
    public static void WarnReplay(string file, int line, string reason)
    {
        if (s_warned.TryAdd((file, line), true))
        {
            Console.Error.WriteLine($"DevServe: warning: {(file.Length > 0 ? file : "the servlet")}:{line}: this SendSuspend is resumed by replay "
                + $"(going back runs earlier code again): {reason}. docs/continuations.md says which code shapes resume without replay.");
        }
    }

    /// <summary>Whether the chain is sealed now (no waiting).</summary>
    public bool IsSealedNow => Volatile.Read(ref _state) == Sealed;

    /// <summary>
    /// Whether resumptions copy the frames. A resumption can arrive while the suspension still unwinds on its servlet
    /// thread (microseconds): it waits, on a servlet thread, for the chain to be sealed or broken, and after 200 ms
    /// takes it as broken (the live flow and replay are always correct).
    /// </summary>
    public bool IsSealed()
    {
        var spin = new SpinWait();
        var deadline = Environment.TickCount64 + 200;
        while (Volatile.Read(ref _state) == Climbing)
        {
            if (Environment.TickCount64 > deadline)
            {
                // The live flow takes over: breaking registers the continuations the frames held back.
                Break(null, "its frames were still being collected 200 ms after its page was sent");
                return _state == Sealed;
            }
            spin.SpinOnce(sleep1Threshold: 30);
        }
        return _state == Sealed;
    }

    /// <summary>
    /// Copies the frames for one resumption with <paramref name="request"/>: each copy awaits its callee's copy, the
    /// innermost gets the request. Returns the innermost (to run) and the copy of the entry point's task.
    /// </summary>
    /// <param name="request">What the suspension completes with.</param>
    /// <param name="state">What <paramref name="contextFor"/> needs (a static lambda allocates nothing per copy).</param>
    /// <param name="contextFor">The execution context a copy runs in, from the one its template had (<c>null</c>: the flow's root context).</param>
    public (StateMachineBox Innermost, Task Root) Copy<TState>(Request request, TState state, Func<TState, ExecutionContext?, ExecutionContext?> contextFor)
    {
        var copies = new (StateMachineBox Box, AwaiterSlot Slot)[_count];
        for (var i = 0; i < _count; i++)
        {
            var (template, slot, _) = At(i);
            var frame = template.Frame.Fresh();
            var box = template.CopyFor(frame);
            frame.Box = box;
            box.Context = contextFor(state, template.Context);
            copies[i] = (box, slot);
        }
        return Link(copies, request);
    }

    /// <summary>
    /// Makes each frame (innermost first) await its callee's task, the innermost <paramref name="request"/>; the
    /// outermost is the flow's root. Returns the innermost (to run) and the root's task.
    /// </summary>
    public static (StateMachineBox Innermost, Task Root) Link(IReadOnlyList<(StateMachineBox Box, AwaiterSlot Slot)> frames, Request request)
    {
        StateMachineBox? innermost = null;
        ResumableFrame? callee = null;
        Task awaited = Task.FromResult(request);
        for (var i = 0; i < frames.Count; i++)   // not foreach: no enumerator per resumption
        {
            var (box, slot) = frames[i];
            var frame = box.Frame;
            slot.SetTask(box, awaited);
            if (callee is null)
            {
                innermost = box;
            }
            else
            {
                slot.OnCompleted(box, awaited);
                callee.Parent = frame;
                frame.ChildSlot = slot;
            }
            callee = frame;
            awaited = frame.Task;
        }
        callee!.Parent = ResumableFrame.Root;
        return (innermost!, awaited);
    }
}
