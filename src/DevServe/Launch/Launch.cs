namespace DevServe;

/// <summary>Starting a server for a person at a keyboard: banner, browser, and a wait until it should stop.</summary>
/// <remarks>Racket: <c>serve/launch/wait</c> (servlet-dispatch.rkt) and <c>serve/servlet</c> (servlet-env.rkt).</remarks>
public static partial class Launch
{
    /// <summary>Opens <paramref name="url"/> in the user's browser (<c>$BROWSER</c>, else the desktop's opener), like Racket's <c>send-url</c>.</summary>
    /// <param name="url">The page.</param>
    /// <param name="output">Where to say so when no browser can be opened; <c>null</c> = standard output.</param>
    public static void SendUrl(string url, TextWriter? output = null) => DevServe.Internal.Browser.Open(url, output ?? Console.Out);
}
