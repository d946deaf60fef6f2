using System.Runtime.CompilerServices;

namespace DevServe.Internal;

/// <summary>
/// The task inside a task awaiter (<c>TaskAwaiter</c>, <c>TaskAwaiter&lt;T&gt;</c> and their <c>ConfigureAwait</c>
/// forms): which task a frame awaits, and the same awaiter over another task.
/// </summary>
/// <remarks>
/// These awaiters hold their task as their first field, which has been so since .NET Framework 4.5. That is checked
/// once, against the real types, before it is relied on: on a runtime that lays them out otherwise no task is
/// recognised, and every suspension falls back to replay.
/// </remarks>
internal static class AwaiterTask
{
    private static readonly bool s_layoutHolds = CheckLayout();

    /// <summary>The task <paramref name="awaiter"/> awaits, or <c>null</c> for other awaiters.</summary>
    public static Task? Of<TAwaiter>(ref TAwaiter awaiter) => Shape<TAwaiter>.HoldsTask ? Unsafe.As<TAwaiter, Task>(ref awaiter) : null;

    /// <summary>Makes <paramref name="awaiter"/> await <paramref name="task"/> (of the same type as its own, or <c>null</c>: a default awaiter) instead.</summary>
    public static void Replace<TAwaiter>(ref TAwaiter awaiter, Task? task)
    {
        if (!Shape<TAwaiter>.HoldsTask)
        {
            throw new InvalidOperationException($"{typeof(TAwaiter)} is not a task awaiter.");
        }
        Unsafe.As<TAwaiter, Task?>(ref awaiter) = task;
    }

    private static class Shape<TAwaiter>
    {
        public static readonly bool HoldsTask = s_layoutHolds && IsTaskAwaiter(typeof(TAwaiter));
    }

    private static bool IsTaskAwaiter(Type type)
    {
        if (type == typeof(TaskAwaiter) || type == typeof(ConfiguredTaskAwaitable.ConfiguredTaskAwaiter))
        {
            return true;
        }
        if (!type.IsGenericType)
        {
            return false;
        }
        var definition = type.GetGenericTypeDefinition();
        return definition == typeof(TaskAwaiter<>) || definition == typeof(ConfiguredTaskAwaitable<>.ConfiguredTaskAwaiter);
    }

    // Compares addresses, never reads a reference out of a layout it does not know.
    private static bool CheckLayout()
    {
        Task<int> typed = Task.FromResult(42);
        Task untyped = typed;
        var address = Unsafe.As<Task, nint>(ref untyped);
        var a = typed.GetAwaiter();
        var b = typed.ConfigureAwait(false).GetAwaiter();
        var c = untyped.GetAwaiter();
        var d = untyped.ConfigureAwait(false).GetAwaiter();
        return Unsafe.SizeOf<TaskAwaiter<int>>() == nint.Size && Unsafe.SizeOf<TaskAwaiter>() == nint.Size
            && Unsafe.As<TaskAwaiter<int>, nint>(ref a) == address
            && Unsafe.As<ConfiguredTaskAwaitable<int>.ConfiguredTaskAwaiter, nint>(ref b) == address
            && Unsafe.As<TaskAwaiter, nint>(ref c) == address
            && Unsafe.As<ConfiguredTaskAwaitable.ConfiguredTaskAwaiter, nint>(ref d) == address;
    }
}
