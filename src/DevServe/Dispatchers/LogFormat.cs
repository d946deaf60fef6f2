namespace DevServe;

/// <summary>The line formats of <see cref="Dispatchers.Log(LogFormat, TextWriter, Dispatcher?)"/>.</summary>
/// <remarks>Racket: <c>log-format</c> symbols of dispatchers/dispatch-log.rkt, plus Apache's combined format.</remarks>
public enum LogFormat
{
    /// <summary><c>(from "client" to "host" for "url" at "date")</c>, with <c>code N</c> when the response is known (Racket: <c>parenthesized-default</c>).</summary>
    ParenthesizedDefault,
    /// <summary>An association list with client, host, referer, uri and time (Racket: <c>extended</c>).</summary>
    Extended,
    /// <summary>Apache's common log format (Racket: <c>apache-default</c>).</summary>
    ApacheDefault,
    /// <summary>Apache's combined log format: common plus referer and user agent.</summary>
    Combined,
}
