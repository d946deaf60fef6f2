using System.Reflection;
using System.Runtime.CompilerServices;

namespace DevServe.Internal;

/// <summary>
/// The field of a state machine that holds the awaiter of what it is suspended on: the <c>SendSuspend</c> task in
/// the innermost frame, a child frame's task in its callers. A copy of the frame gets the same awaiter over the
/// copy's task.
/// </summary>
internal abstract class AwaiterSlot(FieldInfo field)
{
    /// <summary>The state machine's field.</summary>
    public FieldInfo Field { get; } = field;

    private static readonly ConditionalWeakTable<FieldInfo, AwaiterSlot> s_byField = new();

    /// <summary>The slot of a task awaiter field (of a state machine read from a link), or <c>null</c> for any other field.</summary>
    public static AwaiterSlot? ForField(FieldInfo field)
    {
        var type = field.FieldType;
        var recognised = type == typeof(TaskAwaiter) || type == typeof(ConfiguredTaskAwaitable.ConfiguredTaskAwaiter)
            || (type.IsGenericType && (type.GetGenericTypeDefinition() == typeof(TaskAwaiter<>)
                || type.GetGenericTypeDefinition() == typeof(ConfiguredTaskAwaitable<>.ConfiguredTaskAwaiter)));
        return recognised && field.DeclaringType is { } stateMachine
            ? s_byField.GetValue(field, f => (AwaiterSlot)Activator.CreateInstance(typeof(Typed<,>).MakeGenericType(stateMachine, type), f)!)
            : null;
    }

    /// <summary>Makes the copied state machine in <paramref name="box"/> await <paramref name="task"/> here instead (<c>null</c>: nothing, in a template).</summary>
    public abstract void SetTask(StateMachineBox box, Task? task);

    /// <summary>Has <paramref name="task"/>'s completion run <paramref name="box"/> on, as the original await would have.</summary>
    public abstract void OnCompleted(StateMachineBox box, Task task);

    /// <summary>Registers <paramref name="box"/>'s continuation on the awaiter the field holds, as the await itself would have.</summary>
    public abstract void Register(StateMachineBox box);

    /// <summary>The slot holding the awaiter of <paramref name="awaited"/>, or <c>null</c> when there is none to be sure of.</summary>
    public static AwaiterSlot? Find<TStateMachine, TAwaiter>(StateMachineBox<TStateMachine> box, Task awaited)
        where TStateMachine : IAsyncStateMachine where TAwaiter : INotifyCompletion
    {
        var slots = Slots<TStateMachine, TAwaiter>.All;
        if (slots.Length == 1)
        {
            return slots[0];   // the compiler shares one field per awaiter type
        }
        foreach (var slot in slots)
        {
            var held = slot.Get(box);
            if (ReferenceEquals(AwaiterTask.Of(ref held), awaited))
            {
                return slot;
            }
        }
        return null;
    }

    private static class Slots<TStateMachine, TAwaiter> where TStateMachine : IAsyncStateMachine where TAwaiter : INotifyCompletion
    {
        public static readonly Typed<TStateMachine, TAwaiter>[] All = [.. typeof(TStateMachine)
            .GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)
            .Where(f => f.FieldType == typeof(TAwaiter))
            .Select(f => new Typed<TStateMachine, TAwaiter>(f))];
    }

    private sealed class Typed<TStateMachine, TAwaiter>(FieldInfo field) : AwaiterSlot(field)
        where TStateMachine : IAsyncStateMachine where TAwaiter : INotifyCompletion
    {
        private readonly Func<StateMachineBox<TStateMachine>, TAwaiter> _get = StateMachineBox<TStateMachine>.Getter<TAwaiter>(field);
        private readonly Action<StateMachineBox<TStateMachine>, TAwaiter> _set = StateMachineBox<TStateMachine>.Setter<TAwaiter>(field);

        public TAwaiter Get(StateMachineBox<TStateMachine> box) => _get(box);

        public override void SetTask(StateMachineBox box, Task? task)
        {
            var typed = (StateMachineBox<TStateMachine>)box;
            var awaiter = _get(typed);
            AwaiterTask.Replace(ref awaiter, task);
            _set(typed, awaiter);
        }

        public override void OnCompleted(StateMachineBox box, Task task)
        {
            var awaiter = _get((StateMachineBox<TStateMachine>)box);
            AwaiterTask.Replace(ref awaiter, task);
            Register(box, awaiter);
        }

        public override void Register(StateMachineBox box) => Register(box, _get((StateMachineBox<TStateMachine>)box));

        private static void Register(StateMachineBox box, TAwaiter awaiter)
        {
            if (awaiter is ICriticalNotifyCompletion critical)
            {
                critical.UnsafeOnCompleted(box.MoveNextAction);   // the box restores its own execution context
            }
            else
            {
                awaiter.OnCompleted(box.MoveNextAction);
            }
        }
    }
}
