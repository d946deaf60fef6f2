using System.Net;
using Microsoft.Extensions.Logging;

namespace DevServe.Internal;

/// <summary>The server's log messages, source-generated: no formatting or boxing unless the level is enabled.</summary>
internal static partial class ServerLog
{
    [LoggerMessage(1, LogLevel.Debug, "Bad request from {Client}: {Message}")]
    public static partial void BadRequest(this ILogger logger, IPAddress? client, string message);

    [LoggerMessage(2, LogLevel.Debug, "Unreadable body from {Client}: {Message}")]
    public static partial void UnreadableBody(this ILogger logger, IPAddress? client, string message);

    [LoggerMessage(3, LogLevel.Warning, "{Method} {Uri}: no response within {Timeout}")]
    public static partial void NoResponseInTime(this ILogger logger, string method, Uri uri, TimeSpan timeout);

    [LoggerMessage(4, LogLevel.Error, "{Method} {Uri}: the dispatcher threw")]
    public static partial void DispatcherThrew(this ILogger logger, Exception exception, string method, Uri uri);

    [LoggerMessage(5, LogLevel.Error, "{Method} {Path}: the response output failed")]
    public static partial void OutputFailed(this ILogger logger, Exception exception, string method, string path);

    [LoggerMessage(6, LogLevel.Error, "{Method} {Path}: the response output failed midway")]
    public static partial void OutputFailedMidway(this ILogger logger, Exception exception, string method, string path);

    [LoggerMessage(7, LogLevel.Error, "The server could not listen: {Message}")]
    public static partial void CouldNotListen(this ILogger logger, Exception exception, string message);
}
