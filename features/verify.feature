@verify
Feature: Verifying a token
  The verify endpoint is optional: when it answers 404 these scenarios are
  skipped. When present, it accepts either kind of valid token.

  Scenario: A valid access token verifies
    Given I have logged in
    When I send POST to the verify endpoint with the JSON body {"token": "{access}"}
    Then the status must be 200
    And the body must be {}

  Scenario: A valid refresh token verifies
    Given I have logged in
    When I send POST to the verify endpoint with the JSON body {"token": "{refresh}"}
    Then the status must be 200
    And the body must be {}

  Scenario Outline: Token forged as <kind> does not verify
    Given I have logged in
    When I send POST to the verify endpoint with the JSON body {"token": "{access:<kind>}"}
    Then the status must be 401
    And the header "WWW-Authenticate" must start with "Bearer"
    And the body must have exactly the keys "detail", "code"
    And the body's "code" must be "token_not_valid"
    And the body's "detail" should be "Token is invalid" or "Token is invalid or expired"

    Examples:
      | kind        |
      | tampered    |
      | edited      |
      | alg none    |
      | two-segment |
      | garbage     |

  @expiry
  Scenario: An expired token does not verify
    Given I have logged in
    When I wait until the access token has expired
    And I send POST to the verify endpoint with the JSON body {"token": "{expired_access}"}
    Then the status must be 401
    And the body's "code" must be "token_not_valid"
    And the body's "detail" should be "Token is expired" or "Token is invalid or expired"

  Scenario: A missing token field is named
    When I send POST to the verify endpoint with the JSON body {}
    Then the status must be 400
    And the body must have exactly the key "token"
    And the body's "token" should be ["This field is required."]
