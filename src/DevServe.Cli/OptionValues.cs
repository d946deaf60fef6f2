using System.CommandLine;

namespace DevServe.Cli;

/// <summary>Option values: the command line's, or the command line's over a launch profile's.</summary>
internal class OptionValues(ParseResult parse)
{
    /// <summary>The value of <paramref name="option"/>.</summary>
    public virtual T Get<T>(Option<T> option) => parse.GetValue(option)!;

    /// <summary>Whether <paramref name="option"/> was given rather than defaulted.</summary>
    public virtual bool Given(Option option) => parse.GetResult(option) is { Implicit: false };
}

/// <summary>The command line wins over a launch profile's arguments.</summary>
internal sealed class ProfiledOptionValues(ParseResult parse, ParseResult profile) : OptionValues(parse)
{
    public override T Get<T>(Option<T> option) => base.Given(option) || profile.GetResult(option) is not { Implicit: false }
        ? base.Get(option) : profile.GetValue(option)!;

    public override bool Given(Option option) => base.Given(option) || profile.GetResult(option) is { Implicit: false };
}
