using System.Collections.Concurrent;

namespace DevServe.Internal;

/// <summary>
/// The frames a <c>SendSuspend</c> suspended, innermost first, up to the flow's entry point: the template every
/// resumption of that continuation copies. The template itself never runs again.
/// </summary>
/// <remarks>
/// It is assembled as the suspension unwinds (each caller adds itself when it awaits its callee) and is then
/// sealed, or broken when a caller cannot be copied; a broken chain falls back to the live flow and replay, and
/// that is said once per call site on standard error. docs/design/continuations.md §12.
/// </remarks>
internal sealed class SuspendedChain(Task suspensionTask, string file, int line)
{
    private const int Climbing = 0, Sealed = 1, Broken = 2;
    private static readonly ConcurrentDictionary<(string File, int Line), bool> s_warned = new();

    private readonly List<(StateMachineBox Box, AwaiterSlot Slot)> _frames = new(4);
    private int _state;

    /// <summary>The task <c>SendSuspend</c> returned: the innermost frame awaits it.</summary>
    public Task SuspensionTask { get; } = suspensionTask;

    /// <summary>Why the chain broke, if it did.</summary>
    public string? Reason { get; private set; }

    /// <summary>The frames, innermost first, each with the field that holds what it awaits.</summary>
    public IReadOnlyList<(StateMachineBox Box, AwaiterSlot Slot)> Frames => _frames;

    /// <summary>Called once the chain is sealed (true) or broken (false), on the suspending thread: a stateless page is made then.</summary>
    public Action<bool>? Resolved { get; init; }

    public void Add(StateMachineBox box, AwaiterSlot slot)
    {
        if (_state != Climbing)
        {
            return;
        }
        if (box.HeldResource() is { } held)
        {
            Break(box.Frame, held + ": copies of the frame would share it");
            return;
        }
        _frames.Add((box, slot));
    }

    public void Seal()
    {
        if (_state == Climbing)
        {
            Volatile.Write(ref _state, Sealed);
            Resolved?.Invoke(true);
        }
    }

    public void Break(ResumableFrame at, string reason)
    {
        if (_state != Climbing)
        {
            return;
        }
        _frames.Clear();
        Reason = $"in {ResumableFrame.Describe(at)}, {reason}";
        Volatile.Write(ref _state, Broken);
        Resolved?.Invoke(false);
        if (s_warned.TryAdd((file, line), true))
        {
            Console.Error.WriteLine($"DevServe: warning: {(file.Length > 0 ? file : "the servlet")}:{line}: this SendSuspend is resumed by replay "
                + $"(going back runs earlier code again): {Reason}. docs/continuations.md says which code shapes resume without replay.");
        }
    }

    /// <summary>
    /// Whether resumptions copy the frames. A resumption can arrive while the suspension still unwinds on its servlet
    /// thread (microseconds): it waits for the chain to be sealed or broken, and after a bound takes it as broken.
    /// </summary>
    public bool IsSealed()
    {
        var spin = new SpinWait();
        var deadline = Environment.TickCount64 + 2000;
        while (Volatile.Read(ref _state) == Climbing)
        {
            if (Environment.TickCount64 > deadline)
            {
                return false;
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
    /// <param name="contextFor">The execution context a copy runs in, from the one its template had.</param>
    public (StateMachineBox Innermost, Task Root) Copy(Request request, Func<ExecutionContext?, ExecutionContext?> contextFor)
        => Link(_frames.Select(f =>
        {
            var frame = f.Box.Frame.Fresh();
            var box = f.Box.CopyFor(frame);
            frame.Box = box;
            box.Context = contextFor(f.Box.Context);
            return (box, f.Slot);
        }), request);

    /// <summary>
    /// Makes each frame (innermost first) await its callee's task, the innermost <paramref name="request"/>; the
    /// outermost is the flow's root. Returns the innermost (to run) and the root's task.
    /// </summary>
    public static (StateMachineBox Innermost, Task Root) Link(IEnumerable<(StateMachineBox Box, AwaiterSlot Slot)> frames, Request request)
    {
        StateMachineBox? innermost = null;
        ResumableFrame? callee = null;
        Task awaited = Task.FromResult(request);
        foreach (var (box, slot) in frames)
        {
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
