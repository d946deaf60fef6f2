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

    /// <summary>A copy of this box and its state machine that completes <paramref name="frame"/>.</summary>
    public abstract StateMachineBox CopyFor(ResumableFrame frame);

    /// <summary>Reads a field of the state machine.</summary>
    public abstract object? GetField(FieldInfo field);

    /// <summary>Writes a field of the state machine, in place.</summary>
    public abstract void SetField(FieldInfo field, object? value);

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

    /// <summary>The name of the local a compiler-named field holds: <c>file</c> for <c>&lt;file&gt;5__2</c>.</summary>
    protected static string LocalName(FieldInfo field)
        => field.Name.StartsWith('<') && field.Name.IndexOf('>', StringComparison.Ordinal) is > 1 and var end ? field.Name[1..end] : field.Name;

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

    private Action? _moveNext;

    public override Type StateMachineType => typeof(TStateMachine);

    public override Action MoveNextAction => _moveNext ??= MoveNext;

    private void MoveNext()
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
        copy.SetField(s_builder, Frame.BuilderFor(frame));
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
        var copies = new Dictionary<object, object>(ReferenceEqualityComparer.Instance);
        foreach (var field in s_scopes)
        {
            if (copy.GetField(field) is { } scope)
            {
                if (!copies.TryGetValue(scope, out var scopeCopy))
                {
                    copies[scope] = scopeCopy = s_memberwiseClone(scope);
                }
                copy.SetField(field, scopeCopy);
            }
        }
        foreach (var scopeCopy in copies.Values)
        {
            var (links, cachedLambdas) = ScopeFields(scopeCopy.GetType());
            foreach (var link in links)
            {
                if (link.GetValue(scopeCopy) is { } outer && copies.TryGetValue(outer, out var outerCopy))
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

    public override string? HeldResource()
    {
        foreach (var field in s_locals)
        {
            if (GetField(field) is var value && IsResource(value))
            {
                return $"the local {LocalName(field)} (a {value!.GetType().Name}) is held across the suspension";
            }
        }
        foreach (var field in s_scopes)
        {
            if (GetField(field) is { } scope)
            {
                foreach (var captured in scope.GetType().GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
                {
                    if (!captured.Name.Contains('<', StringComparison.Ordinal) && captured.GetValue(scope) is var value && IsResource(value))
                    {
                        return $"the local {captured.Name} (a {value!.GetType().Name}) is held across the suspension";
                    }
                }
            }
        }
        return null;
    }

    public override object StateMachineObject() => StateMachine;

    protected override void Bind(ResumableFrame frame)
    {
        Frame = frame;
        frame.Box = this;
        SetField(s_builder, frame.BuilderFor(frame));
    }

    public override object? GetField(FieldInfo field)
        => typeof(TStateMachine).IsValueType ? field.GetValueDirect(__makeref(StateMachine)) : field.GetValue(StateMachine);

    public override void SetField(FieldInfo field, object? value)
    {
        if (typeof(TStateMachine).IsValueType)
        {
            field.SetValueDirect(__makeref(StateMachine), value!);
        }
        else
        {
            field.SetValue(StateMachine, value);
        }
    }
}
