@embedded-users
Feature: Tokens of accounts that stopped being active
  A token names its user by id; when that account has since been made
  inactive or deleted, the token stops working, with 401 and never a server
  error (SimpleJWT 5.4.0–5.5.1 answer 500 for a deleted user's refresh token,
  a fault not to copy). Only the embedded server lets the runner change
  accounts, so these scenarios are skipped against a base URL.

  @core
  Scenario: Tokens of an account made inactive stop working
    Given I have logged in as the spare account "carol"
    When I send GET to the user endpoint with the header "Authorization: Bearer {spare_access}"
    Then the status must be 200
    When the embedded server makes the spare account "carol" inactive
    And I send GET to the user endpoint with the header "Authorization: Bearer {spare_access}"
    Then the status must be 401
    And the header "WWW-Authenticate" must start with "Bearer"
    And the body's "code" should be "user_inactive"
    When I send POST to the refresh endpoint with the JSON body {"refresh": "{spare_refresh}"}
    Then the status must be 401
    And the body's "detail" should be "No active account found for the given token."

  @core
  Scenario: Tokens of a deleted account stop working
    Given I have logged in as the spare account "dave"
    When the embedded server deletes the spare account "dave"
    And I send GET to the user endpoint with the header "Authorization: Bearer {spare_access}"
    Then the status must be 401
    And the header "WWW-Authenticate" must start with "Bearer"
    And the body's "code" should be "user_not_found"
    When I send POST to the refresh endpoint with the JSON body {"refresh": "{spare_refresh}"}
    Then the status must be 401
    And the body's "detail" should be "No active account found for the given token."
