using System.Text.RegularExpressions;

namespace DevServe;

public static partial class Dispatchers
{
    /// <summary>Hands the request to <paramref name="inner"/> when <paramref name="regex"/> matches its decoded path.</summary>
    /// <remarks>Racket: <c>make</c> in dispatchers/dispatch-filter.rkt. The path is decoded, without query or <c>;params</c>.</remarks>
    public static Dispatcher Filter(Regex regex, Dispatcher inner)
    {
        ArgumentNullException.ThrowIfNull(regex);
        ArgumentNullException.ThrowIfNull(inner);
        return request => regex.IsMatch(request.Path) ? inner(request) : NextDispatcher;
    }
}
