@rotation
Feature: Refresh-token rotation
  With ROTATE_REFRESH_TOKENS on, refresh answers a new refresh token too; with
  BLACKLIST_AFTER_ROTATION as well, the replaced one is refused from then on.
  The runner detects both before the run and skips what the target lacks.
  Against the embedded server these run on its rotating second instance.

  Scenario: Refresh answers a new refresh token as well
    Given I have logged in
    When I refresh the tokens
    Then the status must be 200
    And the body must have exactly the keys "access", "refresh"
    And the refresh token must have three base64url segments
    And the refresh token must have its own token_type
    And every token's jti must be different

  Scenario: The new refresh token refreshes again
    Given I have logged in
    When I refresh the tokens
    And I refresh the tokens
    Then the status must be 200
    And the body must have exactly the keys "access", "refresh"

  @blacklist-after-rotation
  Scenario: The replaced refresh token is refused
    Given I have logged in
    When I refresh the tokens
    And I send POST to the refresh endpoint with the JSON body {"refresh": "{replaced_refresh}"}
    Then the status must be 401
    And the header "WWW-Authenticate" must start with "Bearer"
    And the body's "code" must be "token_not_valid"
    And the body's "detail" should be "Token is blacklisted"

  @blacklist-after-rotation @verify @recommended
  Scenario: Verify reports a replaced refresh token as blacklisted
    Given I have logged in
    When I refresh the tokens
    And I send POST to the verify endpoint with the JSON body {"token": "{replaced_refresh}"}
    Then the status should be 400
    And the body should be {"non_field_errors": ["Token is blacklisted"]}

  @blacklist-after-rotation @blacklist @verify @recommended
  Scenario: Verify reports a blacklisted refresh token as blacklisted
    Given I have logged in
    And I keep the refresh token as revoked
    When I send POST to the blacklist endpoint with the JSON body {"refresh": "{revoked}"}
    And I send POST to the verify endpoint with the JSON body {"token": "{revoked}"}
    Then the status should be 400
    And the body should be {"non_field_errors": ["Token is blacklisted"]}
