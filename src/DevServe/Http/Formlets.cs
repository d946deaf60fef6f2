using System.Globalization;
using System.Xml.Linq;

namespace DevServe;

/// <summary>
/// The basic formlets (Racket: <c>web-server/formlets/input</c>): each shows one input and reads its value back.
/// Scripts import this class: <c>from title in InputString() select title</c>.
/// </summary>
public static class Formlets
{
    /// <summary>A text input read as a string (Racket: <c>input-string</c>).</summary>
    /// <param name="attributes">More attributes, as pairs: <c>("size", 40)</c>.</param>
    public static Formlet<string> InputString(params object?[] attributes)
        => One(name => Xexpr.Input(("type", "text"), ("name", name), attributes), (bindings, name) => Required(bindings, name));

    /// <summary>A number input read as a whole number (Racket: <c>input-int</c>).</summary>
    /// <param name="attributes">More attributes, as pairs.</param>
    public static Formlet<int> InputInt(params object?[] attributes)
        => One(name => Xexpr.Input(("type", "number"), ("name", name), attributes), (bindings, name)
            => int.TryParse(Required(bindings, name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n)
                ? n : throw new FormletException($"\"{bindings[name]}\" is not a whole number."));

    /// <summary>A text area read as a string (Racket: <c>textarea-input</c>).</summary>
    /// <param name="attributes">More attributes, as pairs: <c>("rows", 5)</c>.</param>
    public static Formlet<string> TextareaInput(params object?[] attributes)
        => One(name => Xexpr.Textarea(("name", name), attributes), (bindings, name) => Required(bindings, name));

    /// <summary>A checkbox read as whether it was ticked (Racket: <c>checkbox</c>; a browser sends nothing for an unticked box).</summary>
    /// <param name="isChecked">Whether it starts ticked.</param>
    /// <param name="attributes">More attributes, as pairs.</param>
    public static Formlet<bool> Checkbox(bool isChecked = false, params object?[] attributes)
        => One(name => Xexpr.Input(("type", "checkbox"), ("name", name), ("value", "on"), ("checked", isChecked ? "checked" : null), attributes),
            (bindings, name) => bindings.Contains(name));

    /// <summary>A drop-down list read as the option chosen (Racket: <c>select-input</c>).</summary>
    /// <param name="options">The choices, in order.</param>
    /// <param name="display">The text shown for a choice; by default its <c>ToString()</c>.</param>
    /// <typeparam name="T">The choices' type.</typeparam>
    public static Formlet<T> SelectInput<T>(IReadOnlyList<T> options, Func<T, string>? display = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var show = display ?? (o => o?.ToString() ?? "");
        // Each option's value is its index: what the browser sends back names a choice, never a value to trust.
        return One(name => Xexpr.Select(("name", name), options.Select((o, i) => Xexpr.Option(("value", i), show(o)))),
            (bindings, name) => int.TryParse(Required(bindings, name), NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < options.Count
                ? options[i] : throw new FormletException($"\"{bindings[name]}\" is not one of the choices."));
    }

    private static Formlet<T> One<T>(Func<string, XElement> show, Func<Bindings, string, T> read) => new(names =>
    {
        var name = names.Next();
        return ([show(name)], bindings => read(bindings, name));
    });

    private static string Required(Bindings bindings, string name)
        => bindings[name] ?? throw new FormletException($"The form did not send its field \"{name}\".");
}
