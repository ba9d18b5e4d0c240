@blacklist
Feature: Blacklisting a refresh token
  The blacklist endpoint is optional: when it answers 404 these scenarios are
  skipped. A blacklisted refresh token is refused from then on.

  Scenario: A blacklisted refresh token can no longer refresh
    Given I have logged in
    And I keep the refresh token as revoked
    When I send POST to the blacklist endpoint with the JSON body {"refresh": "{revoked}"}
    Then the status must be 200
    And the body must be {}
    When I send POST to the refresh endpoint with the JSON body {"refresh": "{revoked}"}
    Then the status must be 401
    And the header "WWW-Authenticate" must start with "Bearer"
    And the body must have exactly the keys "detail", "code"
    And the body's "code" must be "token_not_valid"
    And the body's "detail" should be "Token is blacklisted"

  Scenario: A blacklisted refresh token cannot be blacklisted again
    Given I have logged in
    And I keep the refresh token as revoked
    When I send POST to the blacklist endpoint with the JSON body {"refresh": "{revoked}"}
    Then the status must be 200
    When I send POST to the blacklist endpoint with the JSON body {"refresh": "{revoked}"}
    Then the status must be 401
    And the body's "code" must be "token_not_valid"
    And the body's "detail" should be "Token is blacklisted"

  Scenario: An access token cannot be blacklisted
    Given I have logged in
    When I send POST to the blacklist endpoint with the JSON body {"refresh": "{access}"}
    Then the status must be 401
    And the header "WWW-Authenticate" must start with "Bearer"
    And the body must have exactly the keys "detail", "code"
    And the body's "code" must be "token_not_valid"
    And the body's "detail" should be "Token has wrong type"

  Scenario: A missing refresh field is named
    When I send POST to the blacklist endpoint with the JSON body {}
    Then the status must be 400
    And the body must have exactly the key "refresh"
    And the body's "refresh" should be ["This field is required."]

  @recommended
  Scenario: Blacklisting does not revoke access tokens already issued
    Given I have logged in
    And I keep the refresh token as revoked
    When I send POST to the blacklist endpoint with the JSON body {"refresh": "{revoked}"}
    And I send GET to the user endpoint with the header "Authorization: Bearer {access}"
    Then the status should be 200

  @recommended @verify @without-blacklist-after-rotation
  Scenario: Verify ignores the blacklist unless blacklist-after-rotation is on
    Given I have logged in
    And I keep the refresh token as revoked
    When I send POST to the blacklist endpoint with the JSON body {"refresh": "{revoked}"}
    And I send POST to the verify endpoint with the JSON body {"token": "{revoked}"}
    Then the status should be 200
    And the body should be {}
