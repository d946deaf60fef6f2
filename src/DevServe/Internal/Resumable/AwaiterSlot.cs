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

    /// <summary>The slot of a task awaiter field (of a state machine read from a link), or <c>null</c> for any other field.</summary>
    public static AwaiterSlot? ForField(FieldInfo field)
    {
        var type = field.FieldType;
        var recognised = type == typeof(TaskAwaiter) || type == typeof(ConfiguredTaskAwaitable.ConfiguredTaskAwaiter)
            || (type.IsGenericType && (type.GetGenericTypeDefinition() == typeof(TaskAwaiter<>)
                || type.GetGenericTypeDefinition() == typeof(ConfiguredTaskAwaitable<>.ConfiguredTaskAwaiter)));
        return recognised ? (AwaiterSlot)Activator.CreateInstance(typeof(Typed<>).MakeGenericType(type), field)! : null;
    }

    /// <summary>Makes the copied state machine in <paramref name="box"/> await <paramref name="task"/> here instead.</summary>
    public abstract void SetTask(StateMachineBox box, Task task);

    /// <summary>Has <paramref name="task"/>'s completion run <paramref name="box"/> on, as the original await would have.</summary>
    public abstract void OnCompleted(StateMachineBox box, Task task);

    /// <summary>Registers <paramref name="box"/>'s continuation on the awaiter the field holds, as the await itself would have.</summary>
    public abstract void Register(StateMachineBox box);

    /// <summary>The slot holding the awaiter of <paramref name="awaited"/>, or <c>null</c> when there is none to be sure of.</summary>
    public static AwaiterSlot? Find<TStateMachine, TAwaiter>(StateMachineBox box, Task awaited) where TAwaiter : INotifyCompletion
    {
        var slots = Slots<TStateMachine, TAwaiter>.All;
        if (slots.Length == 1)
        {
            return slots[0];   // the compiler shares one field per awaiter type
        }
        foreach (var slot in slots)
        {
            if (box.GetField(slot.Field) is TAwaiter held && ReferenceEquals(AwaiterTask.Of(ref held), awaited))
            {
                return slot;
            }
        }
        return null;
    }

    private static class Slots<TStateMachine, TAwaiter> where TAwaiter : INotifyCompletion
    {
        public static readonly AwaiterSlot[] All = [.. typeof(TStateMachine)
            .GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)
            .Where(f => f.FieldType == typeof(TAwaiter))
            .Select(f => new Typed<TAwaiter>(f))];
    }

    private sealed class Typed<TAwaiter>(FieldInfo field) : AwaiterSlot(field) where TAwaiter : INotifyCompletion
    {
        public override void SetTask(StateMachineBox box, Task task)
        {
            var awaiter = (TAwaiter)box.GetField(Field)!;
            AwaiterTask.Replace(ref awaiter, task);
            box.SetField(Field, awaiter);
        }

        public override void OnCompleted(StateMachineBox box, Task task)
        {
            var awaiter = (TAwaiter)box.GetField(Field)!;
            AwaiterTask.Replace(ref awaiter, task);
            Register(box, awaiter);
        }

        public override void Register(StateMachineBox box) => Register(box, (TAwaiter)box.GetField(Field)!);

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
