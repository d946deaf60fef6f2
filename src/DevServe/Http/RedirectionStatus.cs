namespace DevServe;

/// <summary>The status of a redirect (Racket: <c>permanently</c>, <c>temporarily</c>, <c>see-other</c>, <c>temporarily/same-method</c>).</summary>
public enum RedirectionStatus
{
    /// <summary>301 Moved Permanently.</summary>
    Permanently = 301,
    /// <summary>302 Found.</summary>
    Temporarily = 302,
    /// <summary>303 See Other: the POST/redirect/GET answer.</summary>
    SeeOther = 303,
    /// <summary>307 Temporary Redirect: the method and body are repeated.</summary>
    TemporarilySameMethod = 307,
    /// <summary>308 Permanent Redirect: the method and body are repeated.</summary>
    PermanentlySameMethod = 308,
}
