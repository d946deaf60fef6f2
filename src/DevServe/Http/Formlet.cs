using System.Xml.Linq;

namespace DevServe;

/// <summary>
/// A piece of a form that knows how to show itself and how to read its value back from a request (Racket:
/// <c>web-server/formlets</c>). Pieces combine with LINQ, and the names of their inputs are chosen for them:
/// <code>
/// var newPost = from title in InputString().Wrap(x =&gt; P("Title: ", x))
///               from body in TextareaInput().Wrap(x =&gt; P("Body: ", x))
///               select new Post(title, body);
/// Form(("action", embed(InsertPost)), ("method", "post"), newPost.Display(), Input(("type", "submit")))
/// ... var post = newPost.Process(request);
/// </code>
/// </summary>
/// <typeparam name="T">What the piece reads from a request.</typeparam>
/// <remarks>
/// As in Racket, a formlet is applicative: what it shows cannot depend on a value read by an earlier piece (a
/// <c>from</c> clause may not use an earlier range variable except in <c>select</c>). A request that lacks a piece's
/// input, or sends one that does not parse, makes <see cref="Process"/> throw <see cref="FormletException"/>, which a
/// servlet answers with a 400 page saying what was wrong. Each formlet names its inputs <c>input_0</c>,
/// <c>input_1</c>, ... from the start, as Racket's do: show one formlet per form (combine pieces into one).
/// </remarks>
public sealed class Formlet<T>
{
    private readonly Func<FormletNames, (IReadOnlyList<XNode> Display, Func<Bindings, T> Process)> _build;

    internal Formlet(Func<FormletNames, (IReadOnlyList<XNode> Display, Func<Bindings, T> Process)> build) => _build = build;

    /// <summary>The inputs, to put inside a <c>form</c> element (Racket: <c>formlet-display</c>).</summary>
    public IReadOnlyList<XNode> Display() => _build(new FormletNames()).Display;

    /// <summary>The value the form sent in <paramref name="request"/> (Racket: <c>formlet-process</c>).</summary>
    /// <param name="request">The request the form was submitted with.</param>
    /// <exception cref="FormletException">An input is missing or does not parse.</exception>
    public T Process(Request request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return _build(new FormletNames()).Process(request.Bindings);
    }

    /// <summary>The same inputs, shown inside what <paramref name="wrap"/> makes of them: <c>.Wrap(x =&gt; P("Title: ", x))</c>.</summary>
    /// <param name="wrap">Makes the markup around the inputs.</param>
    public Formlet<T> Wrap(Func<IReadOnlyList<XNode>, XNode> wrap)
    {
        ArgumentNullException.ThrowIfNull(wrap);
        return new(names =>
        {
            var (display, process) = _build(names);
            return ([wrap(display)], process);
        });
    }

    /// <summary>The same inputs, read as <paramref name="selector"/> of their value (LINQ's <c>select</c>).</summary>
    /// <param name="selector">Makes the new value.</param>
    /// <typeparam name="TResult">The new value's type.</typeparam>
    public Formlet<TResult> Select<TResult>(Func<T, TResult> selector)
    {
        ArgumentNullException.ThrowIfNull(selector);
        return new(names =>
        {
            var (display, process) = _build(names);
            return (display, bindings => selector(process(bindings)));
        });
    }

    /// <summary>This piece followed by another (LINQ's second <c>from</c>); the other must not depend on this one's value.</summary>
    /// <param name="next">The next piece (called once, without a value).</param>
    /// <param name="result">Makes the value from both.</param>
    /// <typeparam name="TNext">The next piece's value.</typeparam>
    /// <typeparam name="TResult">The combined value.</typeparam>
    public Formlet<TResult> SelectMany<TNext, TResult>(Func<T, Formlet<TNext>> next, Func<T, TNext, TResult> result)
    {
        ArgumentNullException.ThrowIfNull(next);
        ArgumentNullException.ThrowIfNull(result);
        return new(names =>
        {
            var (first, readFirst) = _build(names);
            var (second, readSecond) = next(default!)._build(names);
            return ([.. first, .. second], bindings =>
            {
                var value = readFirst(bindings);
                return result(value, readSecond(bindings));
            }
            );
        });
    }
}

/// <summary>Hands out input names in the order the inputs are shown: the same names when shown and when read back.</summary>
internal sealed class FormletNames
{
    private int _next;

    public string Next() => "input_" + _next++.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>A submitted form lacks an input of a formlet, or sends one that does not parse; a servlet answers it with 400.</summary>
/// <param name="message">What was wrong, for the person who sent the form.</param>
public sealed class FormletException(string message) : Exception(message);
