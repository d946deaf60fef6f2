using System.Linq.Expressions;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace DevServe.Internal;

/// <summary>
/// A resumable frame's state machine on the heap: what its awaits call back, and what a continuation copies.
/// A copy duplicates the state machine (the method's locals, its state, its awaiters) and points its builder at a
/// fresh frame; the objects the locals refer to are shared.
/// </summary>
/// <remarks>
/// A local that a lambda captures lives in a compiler-made closure object (a display class) that the state machine
/// points to: it is still one of the method's locals, so the closure objects of the method's own scopes are copied
/// too (a page's lambda nearly always captures the locals the page shows). The object the method runs on
/// (<c>this</c>, or an enclosing method's closure for a local function) is shared.
/// </remarks>
internal abstract class StateMachineBox(ResumableFrame frame)
{
    /// <summary>The frame this state machine completes.</summary>
    public ResumableFrame Frame { get; protected set; } = frame;

    /// <summary>The execution context at the last await (AsyncLocal values, the ambient flow).</summary>
    public ExecutionContext? Context { get; set; }

    /// <summary>The compiler-generated state machine type (<c>&lt;Start&gt;d__0</c>).</summary>
    public abstract Type StateMachineType { get; }

    /// <summary>Runs the method on from its last await (what awaiters call back).</summary>
    public abstract Action MoveNextAction { get; }

    /// <summary>Runs the method on from its last await, now, on this thread.</summary>
    public abstract void Run();

    /// <summary>A copy of this box and its state machine that completes <paramref name="frame"/>.</summary>
    public abstract StateMachineBox CopyFor(ResumableFrame frame);

    /// <summary>
    /// Makes this box a template that never runs: it forgets what it awaits (in <paramref name="slot"/>), its frame
    /// (the live caller awaits that frame's task) and its callback. Copies of it still run as the original would have.
    /// </summary>
    public abstract void Detach(AwaiterSlot slot);

    /// <summary>The state machine as an object (a boxed copy when it is a struct).</summary>
    public abstract object StateMachineObject();

    /// <summary>What a resumable state machine's method returns (<see cref="VoidResult"/> for <c>Task</c>), or <c>null</c> when it is not resumable.</summary>
    public static Type? ResultType(Type stateMachine)
    {
        foreach (var field in stateMachine.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
        {
            if (field.FieldType == typeof(ResumableTaskMethodBuilder))
            {
                return typeof(VoidResult);
            }
            if (field.FieldType.IsGenericType && field.FieldType.GetGenericTypeDefinition() == typeof(ResumableTaskMethodBuilder<>))
            {
                return field.FieldType.GetGenericArguments()[0];
            }
        }
        return null;
    }

    /// <summary>A box for a state machine read from a stateless link, completing <paramref name="frame"/>.</summary>
    public static StateMachineBox Create(ResumableFrame frame, IAsyncStateMachine stateMachine)
    {
        var box = (StateMachineBox)Activator.CreateInstance(typeof(StateMachineBox<>).MakeGenericType(stateMachine.GetType()), frame, stateMachine)!;
        box.Bind(frame);
        return box;
    }

    /// <summary>Points the state machine's builder at <paramref name="frame"/>.</summary>
    protected abstract void Bind(ResumableFrame frame);

    /// <summary>
    /// A local (or parameter) that holds something two copies of the frame could not both use — a stream, a
    /// connection, a task, an enumerator of a collection, anything disposable — described for the warning; else null.
    /// </summary>
    public abstract string? HeldResource();

    protected static bool IsResource(object? value) => value is not null && !value.GetType().IsValueType
        && value is IDisposable or IAsyncDisposable or Task;
}

internal sealed class StateMachineBox<TStateMachine>(ResumableFrame frame, TStateMachine stateMachine) : StateMachineBox(frame)
    where TStateMachine : IAsyncStateMachine
{
    private static readonly ContextCallback s_moveNext = state => ((StateMachineBox<TStateMachine>)state!).StateMachine.MoveNext();

    // The builder field, found by its type, not by its compiler-generated name.
    private static readonly FieldInfo s_builder = typeof(TStateMachine)
        .GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)
        .Single(f => f.FieldType == typeof(ResumableTaskMethodBuilder)
            || (f.FieldType.IsGenericType && f.FieldType.GetGenericTypeDefinition() == typeof(ResumableTaskMethodBuilder<>)));

    // Debug builds make state machines classes: a copy of the box must copy the object too.
    private static readonly Func<object, object> s_memberwiseClone = typeof(object)
        .GetMethod("MemberwiseClone", BindingFlags.Instance | BindingFlags.NonPublic)!
        .CreateDelegate<Func<object, object>>();

    // The closure objects of the method's own scopes: compiler-named <>8__N (Roslyn's generated-name kind for them),
    // unlike <>4__this, the object the method runs on.
    private static readonly FieldInfo[] s_scopes = [.. typeof(TStateMachine)
        .GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)
        .Where(f => f.Name.StartsWith("<>8__", StringComparison.Ordinal) && !f.FieldType.IsValueType)];

    /// <summary>The state machine (a struct in Release builds: stored here, inline).</summary>
    public TStateMachine StateMachine = stateMachine;

    // Compiled once per state machine type: a resumption reads and writes these fields without reflection or boxing.
    private static readonly Action<StateMachineBox<TStateMachine>, ResumableFrame?> s_bindBuilder = BuilderBinder();
    private static readonly (Func<StateMachineBox<TStateMachine>, object?> Get, Action<StateMachineBox<TStateMachine>, object?> Set)[] s_scopeAccess =
        [.. s_scopes.Select(f => (Getter<object?>(f), Setter<object?>(f)))];

    /// <summary>Compiles a read of <paramref name="field"/> of the boxed state machine.</summary>
    public static Func<StateMachineBox<TStateMachine>, TValue> Getter<TValue>(FieldInfo field)
    {
        var box = Expression.Parameter(typeof(StateMachineBox<TStateMachine>));
        Expression read = Expression.Field(Expression.Field(box, nameof(StateMachine)), field);
        return Expression.Lambda<Func<StateMachineBox<TStateMachine>, TValue>>(
            field.FieldType == typeof(TValue) ? read : Expression.Convert(read, typeof(TValue)), box).Compile();
    }

    /// <summary>Compiles a write of <paramref name="field"/> of the boxed state machine, in place (a struct's field through the box).</summary>
    public static Action<StateMachineBox<TStateMachine>, TValue> Setter<TValue>(FieldInfo field)
    {
        var box = Expression.Parameter(typeof(StateMachineBox<TStateMachine>));
        var value = Expression.Parameter(typeof(TValue));
        return Expression.Lambda<Action<StateMachineBox<TStateMachine>, TValue>>(Expression.Assign(
            Expression.Field(Expression.Field(box, nameof(StateMachine)), field),
            field.FieldType == typeof(TValue) ? value : Expression.Convert(value, field.FieldType)), box, value).Compile();
    }

    // state machine.<builder>._frame = frame
    private static Action<StateMachineBox<TStateMachine>, ResumableFrame?> BuilderBinder()
    {
        var box = Expression.Parameter(typeof(StateMachineBox<TStateMachine>));
        var frame = Expression.Parameter(typeof(ResumableFrame));
        Expression builder = Expression.Field(Expression.Field(box, nameof(StateMachine)), s_builder);
        if (s_builder.FieldType == typeof(ResumableTaskMethodBuilder))
        {
            builder = Expression.Field(builder, "_inner");   // the non-generic builder wraps the generic one
        }
        var frameField = builder.Type.GetField("_frame", BindingFlags.Instance | BindingFlags.NonPublic)!;
        return Expression.Lambda<Action<StateMachineBox<TStateMachine>, ResumableFrame?>>(
            Expression.Assign(Expression.Field(builder, frameField), Expression.Convert(frame, frameField.FieldType)), box, frame).Compile();
    }

    private Action? _moveNext;

    public override Type StateMachineType => typeof(TStateMachine);

    public override Action MoveNextAction => _moveNext ??= Run;

    public override void Run()
    {
        var outer = ResumableFrame.Enter(Frame);
        try
        {
            if (Context is null)
            {
                StateMachine.MoveNext();
            }
            else
            {
                ExecutionContext.Run(Context, s_moveNext, this);
            }
        }
        finally
        {
            ResumableFrame.Leave(outer);
        }
    }

    public override StateMachineBox CopyFor(ResumableFrame frame)
    {
        var copy = (StateMachineBox<TStateMachine>)MemberwiseClone();
        copy._moveNext = null;
        copy.Frame = frame;
        if (!typeof(TStateMachine).IsValueType)
        {
            copy.StateMachine = (TStateMachine)s_memberwiseClone(StateMachine);
        }
        s_bindBuilder(copy, frame);
        if (s_scopes.Length > 0)
        {
            CopyScopes(copy);
        }
        return copy;
    }

    // Each scope's closure object is copied once; a copied scope's link to an enclosing scope that was copied too
    // (compiler-named CS$<>8__locals) points to that copy.
    private static void CopyScopes(StateMachineBox<TStateMachine> copy)
    {
        // A handful of scopes at most: pairs in an array, not a dictionary.
        var copies = new (object Original, object Copy)[s_scopeAccess.Length];
        var count = 0;
        foreach (var (get, set) in s_scopeAccess)
        {
            if (get(copy) is { } scope)
            {
                var scopeCopy = CopyOf(copies, count, scope);
                if (scopeCopy is null)
                {
                    scopeCopy = s_memberwiseClone(scope);
                    copies[count++] = (scope, scopeCopy);
                }
                set(copy, scopeCopy);
            }
        }
        foreach (var (_, scopeCopy) in copies.AsSpan(0, count))
        {
            var (links, cachedLambdas) = ScopeFields(scopeCopy.GetType());
            foreach (var link in links)
            {
                if (link.GetValue(scopeCopy) is { } outer && CopyOf(copies, count, outer) is { } outerCopy)
                {
                    link.SetValue(scopeCopy, outerCopy);
                }
            }
            foreach (var cached in cachedLambdas)
            {
                cached.SetValue(scopeCopy, null);   // a lambda cached in the scope is bound to the original: made again for the copy
            }
        }
    }

    private static object? CopyOf((object Original, object Copy)[] copies, int count, object original)
    {
        foreach (var (from, to) in copies.AsSpan(0, count))
        {
            if (ReferenceEquals(from, original))
            {
                return to;
            }
        }
        return null;
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Type, (FieldInfo[] Links, FieldInfo[] CachedLambdas)> s_scopeFields = new();

    // Compiler names: CS$<>8__locals for a link to an enclosing scope, <>9__ for a lambda cached in the scope.
    private static (FieldInfo[] Links, FieldInfo[] CachedLambdas) ScopeFields(Type scope) => s_scopeFields.GetOrAdd(scope, t =>
    {
        var fields = t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic);
        return ([.. fields.Where(f => f.Name.StartsWith("CS$<>8__locals", StringComparison.Ordinal))],
            [.. fields.Where(f => f.Name.StartsWith("<>9__", StringComparison.Ordinal) && typeof(Delegate).IsAssignableFrom(f.FieldType))]);
    });

    // The user's locals and parameters as the compiler hoists them: not its own bookkeeping (<>1__state, <>t__builder,
    // <>u__ awaiters, <>4__this) and not the closure objects, whose fields are the captured locals.
    private static readonly FieldInfo[] s_locals = [.. typeof(TStateMachine)
        .GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)
        .Where(f => !f.Name.StartsWith("<>", StringComparison.Ordinal) && !f.FieldType.IsValueType)];

    private static readonly (FieldInfo Field, Func<StateMachineBox<TStateMachine>, object?> Get)[] s_localAccess =
        [.. s_locals.Select(f => (f, Getter<object?>(f)))];

    public override string? HeldResource()
    {
        foreach (var (field, get) in s_localAccess)
        {
            if (get(this) is var value && IsResource(value))
            {
                return $"the local {FrameTypes.UserName(field.Name)} (a {value!.GetType().Name}) is held across the suspension";
            }
        }
        foreach (var (get, _) in s_scopeAccess)
        {
            if (get(this) is { } scope)
            {
                foreach (var captured in CapturedLocals(scope.GetType()))
                {
                    if (captured.GetValue(scope) is var value && IsResource(value))
                    {
                        return $"the local {captured.Name} (a {value!.GetType().Name}) is held across the suspension";
                    }
                }
            }
        }
        return null;
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Type, FieldInfo[]> s_captured = new();

    // A closure object's captured locals (reference-typed; not its compiler-named links and caches).
    private static FieldInfo[] CapturedLocals(Type scope) => s_captured.GetOrAdd(scope, t => [.. t
        .GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)
        .Where(f => !f.Name.Contains('<', StringComparison.Ordinal) && !f.FieldType.IsValueType)]);

    public override void Detach(AwaiterSlot slot)
    {
        slot.SetTask(this, null);
        s_bindBuilder(this, null);
        Frame = Frame.Blank;
        _moveNext = null;
    }

    public override object StateMachineObject() => StateMachine;

    protected override void Bind(ResumableFrame frame)
    {
        Frame = frame;
        frame.Box = this;
        s_bindBuilder(this, frame);
    }

}
