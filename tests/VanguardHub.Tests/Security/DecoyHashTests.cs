using Microsoft.AspNetCore.Identity;
using VanguardHub.Grains.Security;

namespace VanguardHub.Tests.Security;

/// <summary>A sign-in with an unknown name checks the password against a decoy hash, so that it costs what a wrong password costs.</summary>
public sealed class DecoyHashTests
{
    private static readonly PasswordHasher<AccountsGrain.StoredAccount> Hasher = new();

    [Fact]
    public void The_decoy_is_derived_with_the_same_settings_as_a_real_password_hash()
    {
        var real = Convert.FromBase64String(Hasher.HashPassword(new AccountsGrain.StoredAccount(), "a-leaders-password-1"));
        var decoy = Convert.FromBase64String(AccountsGrain.DecoyHash);

        // Format marker, pseudo-random function, iteration count and salt length: what a check of it costs.
        decoy[..13].Should().Equal(real[..13], "checking the decoy must cost as much as checking a real password");
        decoy.Length.Should().Be(real.Length);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a-leaders-password-1")]
    [InlineData("00000000-0000-0000-0000-000000000000")]
    public void No_password_matches_the_decoy(string password) =>
        Hasher.VerifyHashedPassword(new AccountsGrain.StoredAccount(), AccountsGrain.DecoyHash, password)
            .Should().Be(PasswordVerificationResult.Failed);
}
