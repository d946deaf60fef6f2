namespace DevServe;

/// <summary>Starting a server for a person at a keyboard: banner, browser, and a wait until it should stop.</summary>
/// <remarks>Racket: <c>serve/launch/wait</c> (servlet-dispatch.rkt) and <c>serve/servlet</c> (servlet-env.rkt).</remarks>
public static partial class Launch
{
}
