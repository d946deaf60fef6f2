namespace DevServe;

/// <summary>
/// Carries a response from <see cref="Web.SendBack"/> or <see cref="Web.SendFinish"/> out of a servlet's flow.
/// </summary>
/// <remarks>
/// Racket aborts to the servlet prompt; C# unwinds with this exception, caught where the flow began. A servlet that
/// catches every exception must let this one pass: <c>catch (Exception e) when (e is not SendBackException)</c>.
/// </remarks>
public sealed class SendBackException : Exception
{
    /// <summary>Creates the exception carrying <paramref name="response"/>.</summary>
    public SendBackException(Response response)
        : base("A servlet sent its response with SendBack; this is not an error.")
        => Response = response ?? throw new ArgumentNullException(nameof(response));

    /// <summary>The response to send.</summary>
    public Response Response { get; }
}
