Feature: What the tokens carry
  The runner reads tokens without verifying them. Three segments, an
  algorithm other than none, the right token_type, an integer exp in the
  future, a jti and a user_id are required; SimpleJWT's defaults (HS256, a
  32-hex-digit jti, steady lifetimes) are recommended.

  @core
  Scenario: The access token from a login
    Given I have logged in
    Then the access token must have three base64url segments
    And the access token must not use alg none
    And the access token must have its own token_type
    And the access token must have an integer exp in the future
    And the access token must have a jti
    And the access token must have a user_id
    And the access token should use alg HS256 and typ JWT
    And the access token should have a 32-byte signature
    And the access token should have a jti of 32 lowercase hex digits

  @core
  Scenario: The refresh token from a login
    Given I have logged in
    Then the refresh token must have three base64url segments
    And the refresh token must not use alg none
    And the refresh token must have its own token_type
    And the refresh token must have an integer exp in the future
    And the refresh token must have a jti
    And the refresh token must have a user_id
    And the refresh token should use alg HS256 and typ JWT
    And the refresh token should have a 32-byte signature
    And the refresh token should have a jti of 32 lowercase hex digits
    And the refresh lifetime should be longer than the access lifetime

  @core
  Scenario: Every token has its own jti and access lifetimes agree
    Given I have logged in 3 times
    Then every token's jti must be different
    And every access token's lifetime should be the same within one second
